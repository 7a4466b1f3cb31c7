"""Backtest speed: optionswarm vs backtrader and nautilus-trader on the same SMA 20/50 crossover.

Prints one JSON document:
* ``bars``: the SMA 20/50 crossover (long 100, fills at the signal bar's close, no fees) on the
  real S&P 500 daily bars 1999-2018 (arch.data.sp500) in all three engines. The trades are
  compared first; then bars (events) per second of each engine's run call alone and the ratios.
  The peers run in their own venv (``.venv-peers``, ``make bench-peers``) as subprocesses and
  send their fills back as JSON; optionswarm runs its full node (bus, strategy, risk gate stub,
  fill path, portfolio) in this process.
* ``options``: a 5-year short-put-spread backtest over full modelled chains (2014-2018), with
  chain snapshots/s and option quotes/s (chain modelling included), audit log on.
* ``bus``: in-process publishes/s to one subscriber.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import msgspec
import structlog

ROOT = Path(__file__).resolve().parent.parent
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEERS_SCRIPT = ROOT / "benchmarks" / "peers" / "sma_peers.py"


def _optionswarm_sma(repeats: int = 3) -> dict[str, Any]:
    from optionswarm.config import load_settings
    from optionswarm.data.sources import ArchDataSource
    from optionswarm.engine import SimulatedClock
    from optionswarm.engine.events import SessionClose
    from optionswarm.engine.topics import BARS, FILLS, SESSIONS
    from optionswarm.model import Fill
    from optionswarm.node import TradingNode

    series = ArchDataSource().bars("sp500")
    days = [str(d) for d in series.days]
    settings = load_settings(
        strategy={"name": "sma-crossover"},
        backtest={"start": "1999-01-01", "end": "2018-12-31"},
        execution={"underlying_slippage_bps": 0.0, "fee_per_share": 0.0},
    )
    best = float("inf")
    fills: list[Fill] = []
    events = 0
    bars: list[Any] = []
    for _ in range(repeats):
        started = time.perf_counter()  # timed: events built from columns, node built and run
        bars = series.to_bars()
        closes = [SessionClose(ts_ns=b.ts_ns, day=d) for b, d in zip(bars, days, strict=True)]
        clock = SimulatedClock(start_ns=bars[0].ts_ns - 1)
        node = TradingNode(settings, clock=clock)
        fills = []
        node.bus.subscribe(FILLS, fills.append)
        node.start()
        publish, bus = node.bus.publish, node.bus
        for bar, close in zip(bars, closes, strict=True):
            clock.advance_to(bar.ts_ns)
            publish(BARS, bar)
            publish(SESSIONS, close)
        best = min(best, time.perf_counter() - started)
        node.stop()
        events = bus.stats().published
    trades = [(days[bars_index(bars, f.ts_ns)], f.side.value, round(f.price, 2)) for f in fills]
    return {"fills": trades, "bars": len(bars), "seconds": best, "bus_events": events}


def bars_index(bars: list[Any], ts_ns: int) -> int:
    """Index of the bar at ``ts_ns`` (fills happen at a bar's close)."""
    lo, hi = 0, len(bars) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if bars[mid].ts_ns < ts_ns:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _peer(name: str, bars_path: Path) -> dict[str, Any]:
    if not PEERS_PYTHON.exists():
        return {"error": f"{PEERS_PYTHON} missing: run `make bench-peers`"}
    proc = subprocess.run(
        [str(PEERS_PYTHON), str(PEERS_SCRIPT), name, str(bars_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _bars_file(directory: Path) -> Path:
    from optionswarm.data.sources import ArchDataSource

    series = ArchDataSource().bars("sp500")
    doc = {
        "day": [str(d) for d in series.days],
        "ts_ns": series.ts_ns.tolist(),
        **{k: getattr(series, k).tolist() for k in ("open", "high", "low", "close", "volume")},
    }
    path = directory / "sp500_bars.json"
    path.write_text(json.dumps(doc))
    return path


def _normalise(fills: list[Any]) -> list[tuple[str, str, float]]:
    return [(str(d), str(s), round(float(p), 2)) for d, s, p in fills]


def bar_benchmark() -> dict[str, Any]:
    """The SMA crossover in the three engines; trades compared, then speed."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _bars_file(Path(tmp))
        ours = _optionswarm_sma()
        peers = {name: _peer(name, path) for name in ("backtrader", "nautilus")}
    out: dict[str, Any] = {"workload": "SMA 20/50 crossover, arch.data.sp500 1999-2018"}
    reference = _normalise(ours["fills"])
    out["optionswarm"] = {
        "bars": ours["bars"],
        "round_trips": len(reference) // 2,
        "seconds": ours["seconds"],
        "events_per_second": ours["bars"] / ours["seconds"],
        "bus_messages": ours["bus_events"],
    }
    for name, result in peers.items():
        if "error" in result:
            out[name] = result
            continue
        theirs = _normalise(result["fills"])
        out[name] = {
            "bars": result["bars"],
            "round_trips": len(theirs) // 2,
            "seconds": result["seconds"],
            "events_per_second": result["bars"] / result["seconds"],
            "trades_agree": theirs == reference,
            "first_difference": next(
                (
                    {"optionswarm": a, name: b}
                    for a, b in zip(reference, theirs, strict=False)
                    if a != b
                ),
                None,
            ),
        }
        out[f"speedup_vs_{name}"] = out["optionswarm"]["events_per_second"] / (
            result["bars"] / result["seconds"]
        )
    return out


def options_benchmark() -> dict[str, Any]:
    """A 5-year daily options backtest over full modelled chains (audit log on)."""
    from optionswarm.backtest.audit import in_memory_audit_log
    from optionswarm.backtest.runner import run_backtest
    from optionswarm.config import load_settings

    settings = load_settings(
        strategy={"name": "short-put-spread"},
        backtest={"start": "2014-01-01", "end": "2018-12-31"},
    )
    run = run_backtest(settings, audit=in_memory_audit_log())
    return {
        "workload": "short-put-spread on modelled SPX chains 2014-2018, audit on",
        "seconds": run.elapsed_s,
        "sessions": run.sessions,
        "chain_snapshots": run.chains,
        "option_quotes": run.option_quotes,
        "chain_snapshots_per_second": run.chains / run.elapsed_s,
        "option_quotes_per_second": run.option_quotes / run.elapsed_s,
        "target_seconds": 30,
    }


class _Tick(msgspec.Struct, frozen=True):
    seq: int


def bus_benchmark(messages: int = 1_000_000, repeats: int = 5) -> dict[str, Any]:
    """Publishes per second on the in-process bus with one subscriber (best of ``repeats``).

    ``direct_calls_per_second`` is the floor: the same handler called in a plain loop, so the
    ratio shows what the bus itself costs (type check, counters, error isolation).
    """
    from optionswarm.bus import InProcessBus, Topic

    bus = InProcessBus()
    topic = Topic("bench.ticks", _Tick)
    received = [0]

    def handler(_: _Tick) -> None:
        received[0] += 1

    bus.subscribe(topic, handler)
    message = _Tick(1)
    publish = bus.publish
    best = direct = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(messages):
            publish(topic, message)
        best = min(best, time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(messages):
            handler(message)
        direct = min(direct, time.perf_counter() - started)
    assert received[0] == 2 * messages * repeats
    return {
        "messages": messages,
        "repeats": repeats,
        "seconds": best,
        "messages_per_second": messages / best,
        "direct_calls_per_second": messages / direct,
        "target_messages_per_second": 1_000_000,
    }


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp())
    result = {
        "bars": bar_benchmark(),
        "options": options_benchmark(),
        "bus": bus_benchmark(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
