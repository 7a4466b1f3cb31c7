"""Oversight: human approval of high-risk trades, between the risk engine and the order manager.

A policy (:class:`PolicyConfig`) decides which orders need a human; it plugs into the risk
engine's ``approval_policy`` seam. The order then waits in the order manager's PENDING_APPROVAL
state while an :class:`ApprovalRequest` (captured at request time) waits in the queue of
:class:`OversightService` - with a time-to-live, four eyes above a threshold, no self-approval
of manual orders, and risk re-checked at approval time. Requests live in the transactional store
(:class:`ApprovalStore`, SQLite or PostgreSQL), so they survive a restart and are decided at
most once. Every step is a bus event and an audit record. ``optionswarm approvals`` is the CLI.
"""

from optionswarm.oversight.config import ApprovalMode, OversightConfig, PolicyConfig
from optionswarm.oversight.policy import (
    OrderFacts,
    OrderMeasures,
    as_deny_reasons,
    evaluate,
    measure,
)
from optionswarm.oversight.recheck import recheck_refusal
from optionswarm.oversight.service import ApprovalRefusedError, OversightService
from optionswarm.oversight.states import (
    ApprovalStatus,
    ApprovalTrigger,
    IllegalApprovalTransitionError,
    apply_approval_trigger,
    approval_table,
)
from optionswarm.oversight.store import ApprovalStore, ProposedIntent, StoredRequest
from optionswarm.oversight.target import ApprovalTarget, OrderManagerTarget, RecordingTarget
from optionswarm.oversight.types import (
    APPROVAL_DECIDED,
    APPROVAL_EXPIRED,
    APPROVAL_REQUESTED,
    AgentOpinion,
    ApprovalDecided,
    ApprovalExpired,
    ApprovalReason,
    ApprovalRequest,
    ApprovalRequested,
    ApprovalVote,
    DecisionInfo,
    RiskCheckLine,
    outcome_event,
)

__all__ = [
    "APPROVAL_DECIDED",
    "APPROVAL_EXPIRED",
    "APPROVAL_REQUESTED",
    "AgentOpinion",
    "ApprovalDecided",
    "ApprovalExpired",
    "ApprovalMode",
    "ApprovalReason",
    "ApprovalRefusedError",
    "ApprovalRequest",
    "ApprovalRequested",
    "ApprovalStatus",
    "ApprovalStore",
    "ApprovalTarget",
    "ApprovalTrigger",
    "ApprovalVote",
    "DecisionInfo",
    "IllegalApprovalTransitionError",
    "OrderFacts",
    "OrderManagerTarget",
    "OrderMeasures",
    "OversightConfig",
    "OversightService",
    "PolicyConfig",
    "ProposedIntent",
    "RecordingTarget",
    "RiskCheckLine",
    "StoredRequest",
    "apply_approval_trigger",
    "approval_table",
    "as_deny_reasons",
    "evaluate",
    "measure",
    "outcome_event",
    "recheck_refusal",
]
