"""Drive a ``TradingNode`` through history on a simulated clock.

The data layer's ``ReplayFeed`` merges the underlying's bars and the modelled chain snapshots in
time order (a day's bar before its chain) and moves the simulated clock to each event; when the
time moves on, ``SessionClose`` is published (the portfolio settles expiries, marks and
snapshots). Everything a component sees at time t was
published at or before t: there is no way to read ahead.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import msgspec

from optionswarm.config import Settings
from optionswarm.data import (
    ArchDataSource,
    ChainModelConfig,
    ModelledChainBuilder,
    ReplayFeed,
    UnderlyingSource,
    bar_events,
    modelled_chain_events,
)
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import PortfolioSnapshot, SessionClose, StrategyDecision
from optionswarm.engine.recorder import AuditSink
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, FILLS, SESSIONS
from optionswarm.model import Bar, ChainSnapshot, Fill
from optionswarm.node import TradingNode
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.wiring import approval_report, attach_oversight
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
    strategy_report: dict[str, Any] = msgspec.field(default_factory=dict)


def run_backtest(
    settings: Settings,
    *,
    source: UnderlyingSource | None = None,
    audit: AuditSink | None = None,
    oversight: OversightConfig | None = None,
) -> BacktestRun:
    """Replay ``settings.backtest`` through a node built from ``settings``.

    With ``oversight``, its approval mode stands in for the human, and the strategy report
    gains an ``oversight`` entry (see :func:`run_backtests`).
    """
    return run_backtests([settings], source=source, audits=[audit], oversight=oversight)[0]


class _Lane:
    """One node and what it collects while the shared replay drives it."""

    def __init__(
        self,
        settings: Settings,
        clock: SimulatedClock,
        audit: AuditSink | None,
        oversight: OversightConfig | None = None,
    ) -> None:
        self.settings = settings
        self.node = TradingNode(settings, clock=clock, audit=audit)
        self.oversight = None if oversight is None else attach_oversight(self.node, oversight)
        self.approve_all_equity: float | None = None  # set from the approve-all twin lane
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
            strategy_report=self._strategy_report(),
        )

    def final_equity(self) -> float:
        """Equity after the last session."""
        snapshots = self.node.portfolio.snapshots
        return snapshots[-1].equity if snapshots else self.settings.portfolio.initial_cash

    def _strategy_report(self) -> dict[str, Any]:
        report = self.node.strategy.report()
        if self.oversight is not None:
            equity = self.final_equity()
            report = {
                **report,
                "oversight": approval_report(self.oversight, equity, self.approve_all_equity),
            }
        return report


def _close_session(lanes: list[_Lane], ts_ns: int) -> None:
    day = dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).date().isoformat()
    close = SessionClose(ts_ns=ts_ns, day=day)
    for lane in lanes:
        lane.node.bus.publish(SESSIONS, close)


def _replay(feed: ReplayFeed, lanes: list[_Lane]) -> tuple[int, int, int]:
    """Publish the feed's events to every lane; a session closes when the time moves on.

    Returns (sessions, chain snapshots, option quotes).
    """
    sessions = chains = quotes = 0
    current: int | None = None
    option_lanes = [lane for lane in lanes if lane.settings.strategy.name in NEEDS_CHAINS]
    for event in feed:
        if current is not None and event.ts_ns != current:
            _close_session(lanes, current)
            sessions += 1
        current = event.ts_ns
        if isinstance(event, Bar):
            for lane in lanes:
                lane.node.bus.publish(BARS, event)
        else:
            chains += 1
            quotes += len(event)
            for lane in option_lanes:
                lane.node.bus.publish(CHAINS, event)
    if current is not None:
        _close_session(lanes, current)
        sessions += 1
    return sessions, chains, quotes


def run_backtests(
    settings_list: list[Settings],
    *,
    source: UnderlyingSource | None = None,
    audits: list[AuditSink | None] | None = None,
    oversight: OversightConfig | None = None,
) -> list[BacktestRun]:
    """Replay one window through several nodes at once (e.g. a parameter grid).

    All settings must share the ``backtest`` section; the data (bars and modelled chains) are
    built once and published to every node, each with its own bus and portfolio.
    ``oversight`` (or the settings' ``oversight`` section when enabled): every node gets the
    approval queue with this configured stand-in for the human; unless it approves everything,
    an approve-all twin of each node replays beside it so that the report can say what the
    choice cost or saved.
    """
    started = time.perf_counter()
    cfg = settings_list[0].backtest
    if any(s.backtest != cfg for s in settings_list):
        raise ValueError("run_backtests needs one shared backtest section")
    source = source or ArchDataSource()
    bars = source.bars(cfg.underlying, cfg.start, cfg.end)
    if len(bars) == 0:
        raise ValueError(f"no {cfg.underlying!r} bars between {cfg.start} and {cfg.end}")
    sources: list[Iterator[Bar] | Iterator[ChainSnapshot]] = [bar_events(bars)]
    if any(s.strategy.name in NEEDS_CHAINS for s in settings_list):
        builder = ModelledChainBuilder(source, ChainModelConfig(seed=cfg.seed))
        sources.append(modelled_chain_events(builder, cfg.underlying, cfg.start, cfg.end))
    clock = SimulatedClock(start_ns=int(bars.ts_ns[0]) - 1)
    audit_list = audits or [None] * len(settings_list)
    if oversight is None and settings_list[0].oversight.enabled:
        oversight = OversightConfig.from_settings(settings_list[0].oversight)
    lanes = [_Lane(s, clock, a, oversight) for s, a in zip(settings_list, audit_list, strict=True)]
    twins: list[_Lane] = []
    if oversight is not None and oversight.mode != "approve_all":
        approve_all = msgspec.structs.replace(oversight, mode="approve_all")
        twins = [_Lane(s, clock, None, approve_all) for s in settings_list]
    for lane in lanes + twins:
        lane.node.start()
    counts = _replay(ReplayFeed(sources, clock), lanes + twins)
    for lane in lanes + twins:
        lane.node.stop()
    for lane, twin in zip(lanes, twins, strict=False):
        lane.approve_all_equity = twin.final_equity()
    elapsed = time.perf_counter() - started
    return [lane.result(type(source).__name__, counts, elapsed) for lane in lanes]
