"""Value types of oversight: the reasons an order needs approval, what an approver is shown
(``ApprovalRequest``, captured when the request is made), votes, and the bus events."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from optionswarm.bus import Topic
from optionswarm.model import Decision, OrderIntent
from optionswarm.oversight.states import ApprovalStatus

__all__ = [
    "APPROVAL_DECIDED",
    "APPROVAL_EXPIRED",
    "APPROVAL_REQUESTED",
    "AgentOpinion",
    "ApprovalDecided",
    "ApprovalExpired",
    "ApprovalReason",
    "ApprovalRequest",
    "ApprovalRequested",
    "ApprovalVote",
    "DecisionInfo",
    "RiskCheckLine",
    "outcome_event",
]


class ApprovalReason(msgspec.Struct, frozen=True, kw_only=True):
    """Why the policy wants a human: a rule code and a specific sentence."""

    code: str
    message: str


class AgentOpinion(msgspec.Struct, frozen=True, kw_only=True):
    """One agent's view in a decision and the weight the consensus gave it."""

    agent_id: str
    direction: str
    conviction: float
    weight: float
    contribution: float
    abstained: bool
    rationale: str


class DecisionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The decision behind an order, as the approver sees it (``confidence`` None if unknown)."""

    decision_id: str
    explanation: str
    confidence: float | None = None
    reason_code: str = ""
    opinions: tuple[AgentOpinion, ...] = ()

    @classmethod
    def of(cls, decision: Decision, decision_id: str | None = None) -> DecisionInfo:
        """From a swarm ``Decision`` (optionally filed under the strategy's decision id)."""
        return cls(
            decision_id=decision_id or decision.decision_id,
            explanation=decision.explanation,
            confidence=decision.confidence,
            reason_code=decision.reason_code,
            opinions=tuple(
                AgentOpinion(
                    agent_id=c.agent_id,
                    direction=str(c.view.direction),
                    conviction=c.view.conviction,
                    weight=c.weight,
                    contribution=c.contribution,
                    abstained=c.view.is_abstention,
                    rationale=c.view.rationale,
                )
                for c in decision.contributions
            ),
        )


class RiskCheckLine(msgspec.Struct, frozen=True, kw_only=True):
    """One pre-trade check and what it said (``passed`` with no messages, or the reasons)."""

    check: str
    passed: bool
    messages: tuple[str, ...] = ()


class ApprovalRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything an approver needs, captured when the order entered PENDING_APPROVAL.

    ``max_loss`` is dollars for the whole order (None: unbounded). ``margin`` is the capital the
    order alone needs. Greeks are dollar delta, gamma, vega, theta of the whole portfolio before
    and after the order. ``spot`` and ``package_mid`` are the prices the approver saw; the
    approval is refused if they have since moved past the configured tolerance.
    """

    request_id: str
    client_order_id: str
    intent: OrderIntent
    status: ApprovalStatus
    reasons: tuple[ApprovalReason, ...]
    structure: str
    max_loss: float | None
    margin: float | None
    greeks_before: tuple[float, float, float, float]
    greeks_after: tuple[float, float, float, float]
    spot: float | None
    package_mid: float | None
    decision: DecisionInfo | None
    risk_checks: tuple[RiskCheckLine, ...]
    trading_state: str
    placed_by: str | None
    required_approvals: int
    created_ns: int
    expires_ns: int
    approvers: tuple[str, ...] = ()
    decided_ns: int | None = None
    decided_by: str | None = None
    decision_code: str = ""
    comment: str = ""

    @property
    def is_open(self) -> bool:
        """True while the request still waits for an approver."""
        return self.status.is_open


class ApprovalVote(msgspec.Struct, frozen=True, kw_only=True):
    """One approver's answer to one request."""

    request_id: str
    actor: str
    approve: bool
    comment: str
    ts_ns: int


class ApprovalRequested(msgspec.Struct, frozen=True, kw_only=True, tag="approval.requested"):
    """A new request waits for an approver."""

    request: ApprovalRequest


class ApprovalDecided(msgspec.Struct, frozen=True, kw_only=True, tag="approval.decided"):
    """A request moved (partly approved, approved, rejected or cancelled)."""

    request_id: str
    client_order_id: str
    status: ApprovalStatus
    actor: str
    code: str
    comment: str
    ts_ns: int


class ApprovalExpired(msgspec.Struct, frozen=True, kw_only=True, tag="approval.expired"):
    """A request timed out; its order was rejected, never executed."""

    request_id: str
    client_order_id: str
    ts_ns: int


APPROVAL_REQUESTED: Final = Topic("oversight.requested", ApprovalRequested)
APPROVAL_DECIDED: Final = Topic("oversight.decided", ApprovalDecided)
APPROVAL_EXPIRED: Final = Topic("oversight.expired", ApprovalExpired)


def outcome_event(
    request: ApprovalRequest, actor: str, code: str, comment: str, ts_ns: int
) -> tuple[Topic[Any], ApprovalDecided | ApprovalExpired]:
    """The bus topic and event announcing that ``request`` moved (expired or decided)."""
    if request.status is ApprovalStatus.EXPIRED:
        expired = ApprovalExpired(
            request_id=request.request_id, client_order_id=request.client_order_id, ts_ns=ts_ns
        )
        return APPROVAL_EXPIRED, expired
    decided = ApprovalDecided(
        request_id=request.request_id,
        client_order_id=request.client_order_id,
        status=request.status,
        actor=actor,
        code=code,
        comment=comment,
        ts_ns=ts_ns,
    )
    return APPROVAL_DECIDED, decided
