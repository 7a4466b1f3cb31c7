"""Put oversight into a ``TradingNode``: between its risk engine and its order manager.

:func:`attach_oversight` plugs the policy into the node's ``RiskEngine.approval_policy`` seam,
points the service at the node's ``OrderManager`` and places the service in the node's start
order just before the manager (so a proposed intent is recorded before it is routed). Call it
before ``node.start()``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from optionswarm.engine.recorder import AuditSink
from optionswarm.execution import OrderManager
from optionswarm.model import Decision
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.service import OversightService
from optionswarm.oversight.store import ApprovalStore
from optionswarm.oversight.target import OrderManagerTarget
from optionswarm.risk import RiskEngine
from optionswarm.storage.sql import SqlConfig, create_sql_engine

__all__ = ["approval_report", "attach_oversight", "in_memory_store"]


def in_memory_store(prefix: str = "oversight_") -> ApprovalStore:
    """An approval store in an in-memory SQLite (backtests; nothing survives the process)."""
    engine: sa.Engine = create_sql_engine(SqlConfig(url="sqlite://", synchronous="OFF"))
    return ApprovalStore(engine, prefix)


def attach_oversight(
    node: Any,
    config: OversightConfig,
    *,
    store: ApprovalStore | None = None,
    audit: AuditSink | None = None,
) -> OversightService:
    """Wire an :class:`OversightService` into ``node`` (needs its risk engine and manager).

    Decisions are audited in ``audit``, or else in the audit log of the node's recorder.
    """
    risk, manager = getattr(node, "risk", None), getattr(node, "order_manager", None)
    if not isinstance(risk, RiskEngine) or not isinstance(manager, OrderManager):
        raise TypeError("oversight needs a node with a RiskEngine and an OrderManager")
    service = OversightService(
        config,
        store or in_memory_store(config.table_prefix),
        bus=node.bus,
        clock=node.clock,
        risk=risk,
        target=OrderManagerTarget(manager),
        audit=audit if audit is not None else _node_audit(node),
        latest_decision=_latest_decision_of(getattr(node, "strategy", None)),
    )
    components = list(node.components)
    components.insert(components.index(manager), service)
    node.components = tuple(components)
    return service


def _node_audit(node: object) -> AuditSink | None:
    """The audit log the node's recorder writes to, if it has one."""
    recorder = getattr(node, "recorder", None)
    sink = getattr(recorder, "sink", None)
    return sink if isinstance(sink, AuditSink) else None


def _latest_decision_of(strategy: object) -> Callable[[], Decision | None] | None:
    """The swarm strategy keeps its consensus decisions in ``decisions``: read the newest."""
    decisions = getattr(strategy, "decisions", None)
    if not isinstance(decisions, deque):
        return None

    def latest() -> Decision | None:
        newest = decisions[-1] if decisions else None
        return newest if isinstance(newest, Decision) else None

    return latest


def approval_report(
    service: OversightService, final_equity: float, approve_all_equity: float | None
) -> dict[str, Any]:
    """For a backtest report: how many trades needed approval, how they ended, and what the
    configured approval mode cost (< 0) or saved (> 0) against approving everything."""
    counts = service.report()
    baseline = final_equity if approve_all_equity is None else approve_all_equity
    return {
        "mode": service.config.mode,
        "needed_approval": counts.get("needed", 0),
        "approved": counts.get("approved", 0),
        "rejected": counts.get("rejected", 0),
        "expired": counts.get("expired", 0),
        "final_equity": final_equity,
        "final_equity_if_all_approved": baseline,
        "saved_vs_approving_all": final_equity - baseline,
    }
