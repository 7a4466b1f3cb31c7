"""A small trading process for the crash test: order manager + paper broker + real risk engine
+ SQLite store. It prints one ``ACK`` line per order, fill and breaker trip after its commit,
so the parent can SIGKILL it mid-stream and check that a restart loses and duplicates nothing.

usage: python crash_driver.py DB_URL PREFIX ORDERS [TRIP_AT]
"""

from __future__ import annotations

import datetime as dt
import sys
import time

import sqlalchemy as sa

from optionswarm.bus import InProcessBus
from optionswarm.config import Settings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import CHAINS
from optionswarm.execution import (
    ORDER_EVENTS,
    ExecutionStore,
    LegQuote,
    OrderEvent,
    OrderManager,
    OrderTrigger,
    price_package,
)
from optionswarm.execution.durability import restore_risk
from optionswarm.execution.wiring import build_execution_path
from optionswarm.model import OrderIntent, OrderLeg, SettlementStyle, Side
from optionswarm.risk import RISK_TOPICS, BreakerTripped
from optionswarm.risk.observations import BrokerError

CHAIN = toy_chain(
    day=dt.date(2016, 1, 4),
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)
FILL_TRIGGERS = (OrderTrigger.FILL, OrderTrigger.FILL_ALL)
STEP_NS = 3_000_000_000  # beyond the risk throttle's duplicate window


def _symbol(strike: float) -> str:
    for row in range(len(CHAIN)):
        if CHAIN.strike[row] == strike and not CHAIN.is_call[row]:
            return contract_symbol(CHAIN, row)
    raise LookupError(strike)


LEGS = (
    OrderLeg(symbol=_symbol(1900.0), side=Side.SELL),
    OrderLeg(symbol=_symbol(1800.0), side=Side.BUY),
)


def _natural_credit() -> float:
    """The package's price at the touch (sell at the bid, buy at the ask): it fills at once."""
    rows = {contract_symbol(CHAIN, r): r for r in range(len(CHAIN))}
    quotes = [
        LegQuote(bid=float(CHAIN.bid[rows[leg.symbol]]), ask=float(CHAIN.ask[rows[leg.symbol]]))
        for leg in LEGS
    ]
    return round(price_package(LEGS, quotes, [0.05, 0.05]).net, 2)


LIMIT = _natural_credit()


def _intent(i: int) -> OrderIntent:
    return OrderIntent(
        client_order_id=f"c-{i:04d}",
        underlying="SPX",
        legs=LEGS,
        quantity=1 + i % 3,
        limit_price=LIMIT,
        ts_ns=CHAIN.ts_ns + i * STEP_NS,
    )


def _say(*words: object) -> None:
    print(*words, flush=True)


class _Acks:
    """Prints acknowledgements only for what is committed."""

    def __init__(self, manager: OrderManager) -> None:
        self.manager = manager
        self.printed: dict[str, int] = {}

    def on_order_event(self, event: object) -> None:  # published after the fills' commit
        if isinstance(event, OrderEvent) and event.trigger in FILL_TRIGGERS:
            cid = event.client_order_id
            booked = self.manager.book.fills_of(cid)
            for n in range(self.printed.get(cid, 0), booked):
                _say("ACK", "fill", f"{cid}-{n}")  # the paper broker's fill ids
            self.printed[cid] = booked

    def on_trip(self, trip: object) -> None:  # the journal committed it before this subscriber
        if isinstance(trip, BreakerTripped):
            _say("ACK", "breaker", trip.breaker)


def main() -> None:
    url, prefix, orders = sys.argv[1], sys.argv[2], int(sys.argv[3])
    trip_at = int(sys.argv[4]) if len(sys.argv) > 4 else -1
    store = ExecutionStore(sa.create_engine(url), prefix=prefix)
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    path = build_execution_path(Settings(), bus, clock, store=store)
    assert path.risk is not None
    for component in path.components:
        component.start()
    bus.publish(CHAINS, CHAIN)
    restored = restore_risk(path.risk, store)
    manager = path.manager
    _say("START", len(manager.orders), path.risk.trading_state.value, ",".join(restored))
    acks = _Acks(manager)
    bus.subscribe(ORDER_EVENTS, acks.on_order_event)
    bus.subscribe(RISK_TOPICS[BreakerTripped], acks.on_trip)
    for i in range(orders):
        clock.advance_to(CHAIN.ts_ns + i * STEP_NS)
        if i == trip_at and "broker_errors" not in restored:
            for _ in range(5):
                path.risk.observe(BrokerError(ts_ns=clock.now_ns(), code="timeout"))
        intent = _intent(i)
        known = intent.client_order_id in manager.orders
        record = manager.submit(intent)
        _say("SKIP" if known else "ACK", "order", record.client_order_id, record.state.value)
        time.sleep(0.002)
    _say("DONE", path.risk.trading_state.value)


if __name__ == "__main__":
    main()
