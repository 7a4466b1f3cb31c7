"""Execution speed: order-manager transitions/s and tick-to-order latency, printed as JSON.

* ``state_machine``: one ``apply_order_trigger`` step (the table lookup), against
  nautilus-trader's ``Order.apply(event)`` (Cython order FSM; submitted + accepted events) run
  in the peers venv in the same run. Both are one FSM step on one order; nautilus also builds
  and validates event objects before timing, we time only the step.
* ``order_manager``: whole transitions through ``OrderManager`` (record update, bus event) with
  the paper broker filling each order: with the allow-all stub (the manager's own cost), with
  the real ``RiskEngine`` gate, and with the real gate plus the SQLite store (FULL sync, one
  commit per transition). No peer exposes the same path (nautilus' equivalent needs its
  kernel, cache and message bus), so these are reported alone.
* ``tick_to_order``: a ``TradingNode`` running the ``swarm`` strategy on real S&P 500 sessions
  with modelled chains (~5,300 rows): from publishing the session's bar + chain to the paper
  broker receiving the order (features, five agents, consensus, structure selection on the full
  chain, sizing, risk engine, order manager), p50/p99 over sessions that produced an order;
  and the segment intent -> broker (risk + order manager) alone. Target p99 < 1 ms.

The machine is shared: wall and CPU (process_time) seconds are both reported.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from optionswarm.agents.testkit import real_sessions
from optionswarm.bus import InProcessBus
from optionswarm.config import load_settings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.events import SessionClose
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, ORDERS, SESSIONS
from optionswarm.execution import (
    AllowAllRiskGateStub,
    ExecutionStore,
    LegQuote,
    OrderManager,
    OrderState,
    OrderTrigger,
    PaperBroker,
    PaperBrokerConfig,
    RiskGate,
    apply_order_trigger,
    price_package,
)
from optionswarm.execution.wiring import build_execution_path
from optionswarm.model import OrderIntent, OrderLeg, SettlementStyle, Side
from optionswarm.node import TradingNode
from optionswarm.storage.sql import create_sql_engine

ROOT = Path(__file__).resolve().parent.parent
PEER_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
CHAIN = toy_chain(
    day=dt.date(2016, 1, 4),
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)
STEP_NS = 3_000_000_000

_NAUTILUS = """
import json, time
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.test_kit.stubs.events import TestEventStubs
from nautilus_trader.test_kit.stubs.execution import TestExecStubs
inst = TestInstrumentProvider.default_fx_ccy("AUD/USD")
best = {"wall": 0.0, "cpu": 0.0}
for _ in range(5):
    orders = [TestExecStubs.limit_order(instrument=inst) for _ in range(20000)]
    submitted = [TestEventStubs.order_submitted(o) for o in orders]
    events = [(o, s, TestEventStubs.order_accepted(o)) for o, s in zip(orders, submitted)]
    w, c = time.perf_counter(), time.process_time()
    for o, s, a in events:
        o.apply(s)
        o.apply(a)
    w, c = time.perf_counter() - w, time.process_time() - c
    best["wall"] = max(best["wall"], 40000 / w)
    best["cpu"] = max(best["cpu"], 40000 / max(c, 1e-9))
print(json.dumps(best))
"""


def _rate(count: int, wall: float, cpu: float) -> dict[str, float]:
    return {
        "transitions": count,
        "wall_s": round(wall, 4),
        "cpu_s": round(cpu, 4),
        "per_s_wall": round(count / wall),
        "per_s_cpu": round(count / max(cpu, 1e-9)),
    }


def state_machine() -> dict[str, Any]:
    """The bare table step, best of 5, against nautilus' order FSM."""
    path = [
        (OrderState.NEW, OrderTrigger.SUBMIT),
        (OrderState.PENDING_RISK, OrderTrigger.ACCEPT),
        (OrderState.SUBMITTED, OrderTrigger.ACK),
        (OrderState.WORKING, OrderTrigger.FILL),
        (OrderState.PARTIALLY_FILLED, OrderTrigger.FILL_ALL),
    ] * 40_000
    best: dict[str, float] = {}
    for _ in range(5):
        wall, cpu = time.perf_counter(), time.process_time()
        for state, trigger in path:
            apply_order_trigger(state, trigger)
        result = _rate(len(path), time.perf_counter() - wall, time.process_time() - cpu)
        if result["per_s_wall"] > best.get("per_s_wall", 0):
            best = result
    return {"optionswarm": best, "nautilus_trader_order_apply": _nautilus()}


def _nautilus() -> dict[str, Any]:
    if not PEER_PYTHON.exists():
        return {"error": "peers venv missing: run `make bench-peers`"}
    with tempfile.TemporaryDirectory() as tmp:  # a clean cwd (no module shadowing)
        done = subprocess.run(
            [str(PEER_PYTHON), "-c", _NAUTILUS],
            capture_output=True,
            text=True,
            cwd=tmp,
            check=False,
        )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:]}
    rates = json.loads(done.stdout)
    return {"per_s_wall": round(rates["wall"]), "per_s_cpu": round(rates["cpu"])}


def _legs() -> tuple[OrderLeg, ...]:
    symbols = {
        float(CHAIN.strike[r]): contract_symbol(CHAIN, r)
        for r in range(len(CHAIN))
        if not CHAIN.is_call[r]
    }
    return (
        OrderLeg(symbol=symbols[1900.0], side=Side.SELL),
        OrderLeg(symbol=symbols[1800.0], side=Side.BUY),
    )


def _manager_run(kind: str, orders: int) -> dict[str, Any]:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    settings = load_settings()
    store = None
    tmp = tempfile.TemporaryDirectory()
    if kind == "real_risk_and_sqlite_store":
        store = ExecutionStore(create_sql_engine(f"sqlite:///{tmp.name}/exec.db"))
    if kind == "allow_all_stub":
        broker = PaperBroker(bus, clock, PaperBrokerConfig())
        gate: RiskGate = AllowAllRiskGateStub()
        manager = OrderManager(bus, clock, gate, broker)
        components = [broker, manager]
    else:
        path = build_execution_path(settings, bus, clock, store=store)
        manager = path.manager
        components = list(path.components)
    for component in components:
        component.start()
    bus.publish(CHAINS, CHAIN)
    legs = _legs()
    rows = {contract_symbol(CHAIN, r): r for r in range(len(CHAIN))}
    quotes = [
        LegQuote(bid=float(CHAIN.bid[rows[leg.symbol]]), ask=float(CHAIN.ask[rows[leg.symbol]]))
        for leg in legs
    ]
    limit = round(price_package(legs, quotes, [0.05, 0.05]).net, 2)  # the natural: fills
    intents = [
        OrderIntent(
            client_order_id=f"b-{i}",
            underlying="SPX",
            legs=legs,
            quantity=1,
            limit_price=limit,
            ts_ns=CHAIN.ts_ns + i * STEP_NS,
        )
        for i in range(orders)
    ]
    wall = cpu = 0.0
    for i, intent in enumerate(intents):
        clock.advance_to(CHAIN.ts_ns + i * STEP_NS)  # beyond risk's throttle windows
        w, c = time.perf_counter(), time.process_time()
        manager.submit(intent)
        wall += time.perf_counter() - w
        cpu += time.process_time() - c
    states = {r.state for r in manager.orders.values()}
    for component in reversed(components):
        component.stop()
    tmp.cleanup()
    return {
        **_rate(manager.transitions, wall, cpu),
        "final_states": sorted(s.value for s in states),
    }


def order_manager() -> dict[str, Any]:
    """Transitions/s of the manager with the paper broker, three gates/stores."""
    return {
        "allow_all_stub": _manager_run("allow_all_stub", 5_000),
        "real_risk_engine": _manager_run("real_risk_engine", 2_000),
        "real_risk_and_sqlite_store": _manager_run("real_risk_and_sqlite_store", 300),
    }


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {"count": 0}
    values = np.asarray(samples) * 1e6
    return {
        "count": len(samples),
        "p50_us": round(float(np.percentile(values, 50)), 1),
        "p99_us": round(float(np.percentile(values, 99)), 1),
        "max_us": round(float(values.max()), 1),
    }


class _Timed:
    """The broker, with its submit wrapped to note the time."""

    def __init__(self, submit: Any, cancel: Any) -> None:
        self.submit = submit
        self.cancel = cancel


def tick_to_order() -> dict[str, Any]:
    """The swarm strategy in a node on real sessions: market update -> order at the broker."""
    sessions = real_sessions(dt.date(2015, 1, 1), dt.date(2016, 12, 31), dt.date(2015, 3, 2))
    settings = load_settings(
        strategy={"name": "swarm"}, backtest={"start": "2015-01-01", "end": "2016-12-31"}
    )
    clock = SimulatedClock(start_ns=sessions[0][0].ts_ns - 1)
    node = TradingNode(settings, clock=clock)
    marks: dict[str, float] = {}
    total: list[float] = []
    total_cpu: list[float] = []
    segment: list[float] = []

    def on_intent(intent: OrderIntent) -> None:  # subscribed first: before the manager
        marks["intent"] = time.perf_counter()

    node.bus.subscribe(ORDERS, on_intent)
    node.start()
    client = node.order_manager.client
    original = client.submit

    def submit(intent: OrderIntent) -> None:
        now = time.perf_counter()
        marks.setdefault("first_submit", now)
        segment.append(now - marks["intent"])
        original(intent)

    node.order_manager.client = _Timed(submit, client.cancel)
    for bar, chain in sessions:
        clock.advance_to(bar.ts_ns)
        marks.clear()
        w, c = time.perf_counter(), time.process_time()
        node.bus.publish(BARS, bar)
        if chain is not None:
            node.bus.publish(CHAINS, chain)
        if "first_submit" in marks:
            total.append(marks["first_submit"] - w)
            total_cpu.append(time.process_time() - c)
        day = dt.datetime.fromtimestamp(bar.ts_ns / 1e9, tz=dt.UTC).date().isoformat()
        node.bus.publish(SESSIONS, SessionClose(ts_ns=bar.ts_ns, day=day))
    node.stop()
    cpu = _percentiles(total_cpu)
    return {
        "sessions": len(sessions),
        "chain_rows": len(sessions[-1][1] or ()),
        "update_to_order_at_broker": _percentiles(total),
        "update_to_order_cpu_incl_broker_fill": {k: v for k, v in cpu.items() if k != "max_us"},
        "intent_to_broker_risk_and_order_manager": _percentiles(segment),
        "target_p99_us": 1000,
    }


def main() -> None:
    """Print the JSON."""
    out = {
        "machine": {"cpus": os.cpu_count(), "load_1m": round(os.getloadavg()[0], 1)},
        "state_machine": state_machine(),
        "order_manager": order_manager(),
        "tick_to_order": tick_to_order(),
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
