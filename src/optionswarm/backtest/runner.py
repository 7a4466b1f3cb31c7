"""Drive a ``TradingNode`` through history on a simulated clock.

Each session, in order: the clock moves to the session close, the underlying's bar is published,
then the modelled chain snapshot (when the strategy trades options), then ``SessionClose`` (the
portfolio settles expiries, marks and snapshots). Everything a component sees at time t was
published at or before t: there is no way to read ahead.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import msgspec

from optionswarm.config import Settings
from optionswarm.data.chains import ChainModelConfig, ModelledChainBuilder
from optionswarm.data.sources import ArchDataSource, BarSeries, UnderlyingSource
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import PortfolioSnapshot, SessionClose, StrategyDecision
from optionswarm.engine.recorder import AuditSink
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, FILLS, SESSIONS
from optionswarm.model import Bar, ChainSnapshot, Fill
from optionswarm.node import TradingNode
from optionswarm.portfolio import Trade
from optionswarm.strategy.registry import NEEDS_CHAINS

__all__ = ["BacktestRun", "run_backtest"]


class BacktestRun(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a backtest produced, before metrics."""

    settings: Settings
    snapshots: tuple[PortfolioSnapshot, ...]
    trades: tuple[Trade, ...]
    decisions: tuple[StrategyDecision, ...]
    fills: tuple[Fill, ...]
    sessions: int
    chains: int
    option_quotes: int
    events: int
    audit_records: int
    audit_root: str | None
    underlying_source: str
    elapsed_s: float


def _sessions(
    bars: BarSeries, chains: Iterator[ChainSnapshot] | None
) -> Iterator[tuple[Bar, ChainSnapshot | None]]:
    pending = next(chains, None) if chains is not None else None
    for bar in bars.to_bars():
        chain = None
        while pending is not None and pending.ts_ns <= bar.ts_ns:
            if pending.ts_ns == bar.ts_ns:
                chain = pending
            pending = next(chains, None) if chains is not None else None
        yield bar, chain


def run_backtest(
    settings: Settings,
    *,
    source: UnderlyingSource | None = None,
    audit: AuditSink | None = None,
) -> BacktestRun:
    """Replay ``settings.backtest`` through a node built from ``settings``."""
    started = time.perf_counter()
    cfg = settings.backtest
    source = source or ArchDataSource()
    bars = source.bars(cfg.underlying, cfg.start, cfg.end)
    if len(bars) == 0:
        raise ValueError(f"no {cfg.underlying!r} bars between {cfg.start} and {cfg.end}")
    chains: Iterator[ChainSnapshot] | None = None
    if settings.strategy.name in NEEDS_CHAINS:
        builder = ModelledChainBuilder(source, ChainModelConfig(seed=cfg.seed))
        chains = builder.iter_chains(cfg.underlying, cfg.start, cfg.end)
    clock = SimulatedClock(start_ns=int(bars.ts_ns[0]) - 1)
    node = TradingNode(settings, clock=clock, audit=audit)
    decisions: list[StrategyDecision] = []
    fills: list[Fill] = []
    node.bus.subscribe(DECISIONS, decisions.append)
    node.bus.subscribe(FILLS, fills.append)
    node.start()
    bus = node.bus
    n_chains = n_quotes = sessions = 0
    for bar, chain in _sessions(bars, chains):
        clock.advance_to(bar.ts_ns)
        bus.publish(BARS, bar)
        if chain is not None:
            n_chains += 1
            n_quotes += len(chain)
            bus.publish(CHAINS, chain)
        day = dt.datetime.fromtimestamp(bar.ts_ns / 1e9, tz=dt.UTC).date().isoformat()
        bus.publish(SESSIONS, SessionClose(ts_ns=bar.ts_ns, day=day))
        sessions += 1
    node.stop()
    recorder = node.recorder
    return BacktestRun(
        settings=settings,
        snapshots=tuple(node.portfolio.snapshots),
        trades=tuple(node.portfolio.trades()),
        decisions=tuple(decisions),
        fills=tuple(fills),
        sessions=sessions,
        chains=n_chains,
        option_quotes=n_quotes,
        events=bus.stats().published,
        audit_records=recorder.recorded if recorder is not None else 0,
        audit_root=recorder.root_hex() if recorder is not None else None,
        underlying_source=type(source).__name__,
        elapsed_s=time.perf_counter() - started,
    )
