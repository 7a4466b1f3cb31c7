"""``NodeRuntime``: the whole system of ``optionswarm run`` in one process, on one event loop.

Paper mode on a replay: real S&P 500 bars (``arch.data``) and MODELLED option chains paced by a
:class:`ReplayDriver`; the node (agents/strategy, risk engine, oversight with a human approver,
order manager, paper broker, portfolio) runs on a simulated clock that follows the replay; the
audit log (hash chain, signed Merkle checkpoints), the execution store and the approval queue are
SQLite files in this run's directory, or tables on the server that ``[storage] url`` names (migrated
with Alembic; each run's tables under its own prefix). An :class:`EventHub` streams what happens.

Each run gets a fresh directory under ``<state_dir>/runs/`` (a replay restarts history, so its
orders, approvals and audit records stay apart from other runs'); the signing key is shared
(``<state_dir>/audit-signing-key.pem``). Stopping finishes the session in progress, cancels
working orders (``[replay] cancel_working_on_stop``) and writes a final signed checkpoint.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import structlog

from optionswarm.audit import AuditConfig, AuditLog
from optionswarm.bus import MessageBus
from optionswarm.config import Settings
from optionswarm.data import (
    ArchDataSource,
    ChainModelConfig,
    ModelledChainBuilder,
    UnderlyingSource,
    bar_events,
    modelled_chain_events,
)
from optionswarm.data.replay import ReplayEvent
from optionswarm.engine import Clock, SimulatedClock
from optionswarm.engine.events import SessionClose
from optionswarm.engine.topics import BARS, CHAINS, SESSIONS
from optionswarm.execution import ExecutionStore
from optionswarm.model import Bar, Decision
from optionswarm.monitoring.correlation import CorrelationLog
from optionswarm.monitoring.metrics import NodeMetrics
from optionswarm.node import TradingNode
from optionswarm.oversight import OversightService
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.oversight.store import ApprovalStore
from optionswarm.oversight.wiring import attach_oversight
from optionswarm.service.hub import EventHub
from optionswarm.service.replay import ReplayDriver, ReplayStatus
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, create_sql_engine
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.registry import NEEDS_CHAINS

__all__ = ["NodeRuntime", "new_run_dir", "replay_events", "run_table_prefix"]

StrategyFactory = Callable[[MessageBus, Clock], StrategyComponent]
"""Builds the node's strategy on the node's bus and clock (the multi-process trading role's)."""

_log = structlog.get_logger("optionswarm.runtime")


def new_run_dir(state_dir: Path, now: dt.datetime | None = None) -> Path:
    """A fresh directory for one run: ``<state_dir>/runs/<UTC timestamp>[-n]``."""
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    runs = state_dir / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    candidate, n = runs / stamp, 1
    while candidate.exists():
        n += 1
        candidate = runs / f"{stamp}-{n}"
    candidate.mkdir()
    return candidate


def _paper_replay_settings(settings: Settings) -> Settings:
    """Paper mode; market orders allowed unless configured (a daily replay has no intraday book,
    and the reference strategies trade at the session's quotes as in a backtest)."""
    updates: dict[str, Any] = {}
    if settings.mode != "paper":
        updates["mode"] = "paper"
    if settings.risk.allow_market_orders is None:
        updates["risk"] = settings.risk.model_copy(update={"allow_market_orders": True})
    return settings.model_copy(update=updates) if updates else settings


def _sqlite(path: Path) -> Any:
    return create_sql_engine(SqlConfig(url=f"sqlite:///{path}", synchronous="NORMAL"))


def _given(bus: MessageBus | None) -> MessageBus:
    if bus is None:
        raise ValueError("a strategy factory needs the node's bus (pass bus=...)")
    return bus


class _Stores(NamedTuple):
    """The transactional stores of one run: engines, the audit log's URL, table prefixes."""

    execution: Any
    approvals: Any
    audit_url: str
    prefixes: TablePrefixes

    @classmethod
    def open(cls, url: str | None, run_dir: Path) -> _Stores:
        """SQLite files in ``run_dir``; or the server at ``url``, migrated, with this run's
        tables under a prefix named after the run."""
        if url is None:
            return cls(
                _sqlite(run_dir / "execution.db"),
                _sqlite(run_dir / "approvals.db"),
                f"sqlite:///{run_dir / 'audit.db'}",
                TablePrefixes(),
            )
        prefixes = TablePrefixes.with_prefix(run_table_prefix(run_dir))
        engine = create_sql_engine(SqlConfig(url=url))
        migrations.upgrade(engine, prefixes=prefixes)
        return cls(engine, engine, url, prefixes)


def run_table_prefix(run_dir: Path) -> str:
    """``run<name>_`` for a run directory (letters, digits and underscores only)."""
    name = "".join(ch if ch.isalnum() else "_" for ch in run_dir.name.lower())
    return f"run{name}_"


def replay_events(settings: Settings, source: UnderlyingSource, bars: Any) -> Iterator[ReplayEvent]:
    """The replay's events in time order: the bars, and the modelled chains when the strategy
    needs chains (on equal timestamps a day's bar comes before its chain)."""
    sources: list[Iterator[ReplayEvent]] = [bar_events(bars)]
    if settings.strategy.name in NEEDS_CHAINS:
        builder = ModelledChainBuilder(source, ChainModelConfig(seed=settings.backtest.seed))
        replay = settings.replay
        sources.append(
            modelled_chain_events(builder, settings.backtest.underlying, replay.start, replay.end)
        )
    return heapq.merge(*sources, key=lambda event: event.ts_ns)


class NodeRuntime:
    """Builds the paper node on a replay and runs it (see the module docstring).

    The multi-process trading role passes the node's own ``bus``, a ``strategy`` factory (the
    agents role's stand-in) and a ``feed`` in place of the replay driver, and plays each session
    it receives with :meth:`play_session` and :meth:`after_session`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        source: UnderlyingSource | None = None,
        run_dir: Path | None = None,
        bus: MessageBus | None = None,
        strategy: StrategyFactory | None = None,
        feed: Any = None,
    ) -> None:
        self.settings = settings = _paper_replay_settings(settings)
        self.source = source or ArchDataSource()
        state_dir = settings.api.state_dir
        self.run_dir = run_dir or new_run_dir(state_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        replay = settings.replay
        underlying = settings.backtest.underlying
        bars = self.source.bars(underlying, replay.start, replay.end)
        if len(bars) == 0:
            raise ValueError(f"no {underlying!r} bars between {replay.start} and {replay.end}")
        self.clock = SimulatedClock(start_ns=int(bars.ts_ns[0]) - 1)
        self._stores = stores = _Stores.open(settings.storage.url, self.run_dir)
        self.audit = AuditLog.from_config(
            AuditConfig(
                key_path=str(state_dir / "audit-signing-key.pem"),
                cold_uri=str(self.run_dir / "audit-archive"),
                synchronous="NORMAL",
                table_prefix=stores.prefixes.audit,
            ),
            stores.audit_url,
            clock=self.clock.now_ns,
        )
        self.node = TradingNode(
            settings,
            clock=self.clock,
            bus=bus,
            audit=self.audit,
            store=ExecutionStore(stores.execution, stores.prefixes.execution),
            strategy=None if strategy is None else strategy(_given(bus), self.clock),
        )
        oversight = OversightConfig.from_settings(settings.oversight)
        if "mode" not in settings.oversight.model_fields_set:
            oversight = msgspec.structs.replace(oversight, mode="human")  # a person approves
        self.oversight: OversightService = attach_oversight(
            self.node, oversight, store=ApprovalStore(stores.approvals, stores.prefixes.oversight)
        )
        self.hub = EventHub(self.node.bus)
        self.metrics = NodeMetrics.for_node(self.node)  # its own registry: GET /metrics
        self.metrics.add_queue("stream", lambda: sum(self.hub.queue_depths()))
        self.correlation = CorrelationLog(self.node.bus, self.clock)  # one id, decision to fill
        self.replay: Any = feed or ReplayDriver(
            replay_events(settings, self.source, bars),
            self.clock,
            publish=self._publish,
            close_session=self._close_session,
            underlying=underlying,
            sessions_total=len(bars),
            speed=replay.speed,
            modelled=True,  # the only chains a replay here has are modelled ones
            hold=self.approval_open if replay.hold_for_approvals else None,
            hold_limit_s=replay.hold_limit_s or settings.oversight.ttl_s,
            after_session=self.after_session,
        )
        self._last_decision_id: str | None = None
        self.started = False

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Start the node, the stream and the replay (call on the running event loop)."""
        if self.started:
            return
        self.hub.start()
        self.metrics.start()  # before the node: it must see each tick before the strategy does
        self.correlation.start()
        self.node.start()
        self.started = True
        self.replay.start(paused=self.settings.replay.start_paused)
        _log.info("runtime started", run_dir=str(self.run_dir), mode=self.settings.mode)

    async def stop(self) -> None:
        """Stop the replay after its session, handle working orders, checkpoint the audit log."""
        if not self.started:
            return
        await self.replay.stop()
        if self.settings.replay.cancel_working_on_stop:
            self.node.order_manager.cancel_all("optionswarm run stopped")
        self.node.stop()
        self.correlation.stop()
        self.metrics.stop()
        self.hub.stop()
        checkpoint = self.audit.checkpoint() if self.audit.size else None
        self.started = False
        self.dispose()
        _log.info(
            "runtime stopped",
            audit_records=self.audit.size,
            checkpoint_size=None if checkpoint is None else checkpoint.size,
        )

    def dispose(self) -> None:
        """Close the stores' pooled connections (reads after this open new ones; call again)."""
        for engine in (self._stores.execution, self._stores.approvals, self.audit.store.engine):
            engine.dispose()

    def components_state(self) -> dict[str, str]:
        """Each component's lifecycle state, plus the replay's (for ``/ready``)."""
        states = {c.name: str(c.state.value) for c in self.node.components}
        states["replay"] = self.replay.state.value
        return states

    def replay_status(self) -> ReplayStatus:
        """Where the replay is."""
        status: ReplayStatus = self.replay.status()
        return status

    # -- the replay's hooks ----------------------------------------------------------------
    def play_session(self, ts_ns: int, events: Iterable[ReplayEvent]) -> None:
        """Move the clock to a session, publish its events and close it (as the replay does)."""
        self.clock.advance_to(ts_ns)
        for event in events:
            self._publish(event)
        self._close_session(ts_ns)

    def _publish(self, event: ReplayEvent) -> None:
        if isinstance(event, Bar):
            self.node.bus.publish(BARS, event)
        else:
            self.node.bus.publish(CHAINS, event)

    def _close_session(self, ts_ns: int) -> None:
        day = dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).date().isoformat()
        self.node.bus.publish(SESSIONS, SessionClose(ts_ns=ts_ns, day=day))

    def approval_open(self) -> bool:
        """True while an approval request waits for a person."""
        return bool(self.oversight.list_requests(ApprovalStatus.PENDING)) or bool(
            self.oversight.list_requests(ApprovalStatus.APPROVED_PARTIAL)
        )

    def after_session(self, ts_ns: int) -> None:
        """Stream the session's decisions and the replay's progress."""
        self._stream_new_decisions()
        status = msgspec.to_builtins(self.replay.status())
        self.hub.emit("replay", status, ts_ns)

    def _stream_new_decisions(self) -> None:
        """The swarm's consensus decisions of this session, and each agent's view behind them."""
        decisions = getattr(self.node.strategy, "decisions", None)
        if not decisions:
            return
        fresh: list[Decision] = []
        for decision in reversed(decisions):
            if not isinstance(decision, Decision) or decision.decision_id == self._last_decision_id:
                break
            fresh.append(decision)
        for decision in reversed(fresh):
            self.hub.emit("consensus", msgspec.to_builtins(decision), decision.ts_ns)
            for contribution in decision.contributions:
                self.hub.emit("view", msgspec.to_builtins(contribution), decision.ts_ns)
        if fresh:
            self._last_decision_id = fresh[0].decision_id
