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

__all__ = ["BacktestRun", "run_backtest", "run_backtests"]


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
    return run_backtests([settings], source=source, audits=[audit])[0]


class _Lane:
    """One node and what it collects while the shared replay drives it."""

    def __init__(self, settings: Settings, clock: SimulatedClock, audit: AuditSink | None) -> None:
        self.settings = settings
        self.node = TradingNode(settings, clock=clock, audit=audit)
        self.decisions: list[StrategyDecision] = []
        self.fills: list[Fill] = []
        self.node.bus.subscribe(DECISIONS, self.decisions.append)
        self.node.bus.subscribe(FILLS, self.fills.append)

    def result(self, source: str, counts: tuple[int, int, int], elapsed: float) -> BacktestRun:
        node, recorder = self.node, self.node.recorder
        sessions, chains, quotes = counts
        return BacktestRun(
            settings=self.settings,
            snapshots=tuple(node.portfolio.snapshots),
            trades=tuple(node.portfolio.trades()),
            decisions=tuple(self.decisions),
            fills=tuple(self.fills),
            sessions=sessions,
            chains=chains,
            option_quotes=quotes,
            events=node.bus.stats().published,
            audit_records=recorder.recorded if recorder is not None else 0,
            audit_root=recorder.root_hex() if recorder is not None else None,
            underlying_source=source,
            elapsed_s=elapsed,
        )


def run_backtests(
    settings_list: list[Settings],
    *,
    source: UnderlyingSource | None = None,
    audits: list[AuditSink | None] | None = None,
) -> list[BacktestRun]:
    """Replay one window through several nodes at once (e.g. a parameter grid).

    All settings must share the ``backtest`` section; the data (bars and modelled chains) are
    built once and published to every node, each with its own bus and portfolio.
    """
    started = time.perf_counter()
    cfg = settings_list[0].backtest
    if any(s.backtest != cfg for s in settings_list):
        raise ValueError("run_backtests needs one shared backtest section")
    source = source or ArchDataSource()
    bars = source.bars(cfg.underlying, cfg.start, cfg.end)
    if len(bars) == 0:
        raise ValueError(f"no {cfg.underlying!r} bars between {cfg.start} and {cfg.end}")
    chains: Iterator[ChainSnapshot] | None = None
    if any(s.strategy.name in NEEDS_CHAINS for s in settings_list):
        builder = ModelledChainBuilder(source, ChainModelConfig(seed=cfg.seed))
        chains = builder.iter_chains(cfg.underlying, cfg.start, cfg.end)
    clock = SimulatedClock(start_ns=int(bars.ts_ns[0]) - 1)
    audit_list = audits or [None] * len(settings_list)
    lanes = [_Lane(s, clock, a) for s, a in zip(settings_list, audit_list, strict=True)]
    for lane in lanes:
        lane.node.start()
    n_chains = n_quotes = sessions = 0
    for bar, chain in _sessions(bars, chains):
        clock.advance_to(bar.ts_ns)
        day = dt.datetime.fromtimestamp(bar.ts_ns / 1e9, tz=dt.UTC).date().isoformat()
        close = SessionClose(ts_ns=bar.ts_ns, day=day)
        for lane in lanes:
            bus = lane.node.bus
            bus.publish(BARS, bar)
            if chain is not None and lane.settings.strategy.name in NEEDS_CHAINS:
                bus.publish(CHAINS, chain)
            bus.publish(SESSIONS, close)
        if chain is not None:
            n_chains += 1
            n_quotes += len(chain)
        sessions += 1
    for lane in lanes:
        lane.node.stop()
    elapsed = time.perf_counter() - started
    counts = (sessions, n_chains, n_quotes)
    return [lane.result(type(source).__name__, counts, elapsed) for lane in lanes]
