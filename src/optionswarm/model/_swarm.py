"""Agent ``View``s and the consensus ``Decision`` built from them, with their reasons."""

from __future__ import annotations

from msgspec.structs import force_setattr

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import (
    enum_field,
    fail,
    float_field,
    int_field,
    reason_code_field,
    text_field,
    ts_field,
    unit_field,
)
from optionswarm.model._enums import Direction, VolView
from optionswarm.model._reasons import Reason

__all__ = ["DEFAULT_VIEW_TTL_NS", "AgentContribution", "Decision", "View"]

DEFAULT_VIEW_TTL_NS = 300 * 1_000_000_000  # five minutes


class View(DomainStruct, frozen=True, kw_only=True):
    """One agent's view on one underlying at ``ts_ns``, valid for ``ttl_ns``.

    ``probability`` is the agent's probability that ``direction`` is right over ``horizon_days``;
    ``conviction`` (0-1) is how much it would stake on it. An abstention carries
    ``abstain_reason`` (a reason code, see ``Reason``) and a neutral, zero-conviction body.
    """

    agent_id: str
    underlying: str
    ts_ns: int
    direction: Direction
    probability: float
    vol_view: VolView
    conviction: float
    horizon_days: int
    rationale: str
    ttl_ns: int = DEFAULT_VIEW_TTL_NS
    abstain_reason: str | None = None

    def __post_init__(self) -> None:
        text_field(self, "agent_id", max_len=64)
        text_field(self, "underlying", max_len=32)
        ts_field(self)
        enum_field(self, "direction", Direction)
        unit_field(self, "probability")
        enum_field(self, "vol_view", VolView)
        unit_field(self, "conviction")
        int_field(self, "horizon_days", min_value=0, max_value=3660)
        text_field(self, "rationale", max_len=4000)
        int_field(self, "ttl_ns", min_value=1)
        if self.abstain_reason is not None:
            reason_code_field(self, "abstain_reason")
            if self.conviction > 0.0:
                raise fail("conviction", "an abstention must have conviction 0")

    @classmethod
    def abstain(
        cls,
        agent_id: str,
        underlying: str,
        ts_ns: int,
        reason_code: str,
        rationale: str,
        *,
        ttl_ns: int = DEFAULT_VIEW_TTL_NS,
        horizon_days: int = 0,
    ) -> View:
        """An abstention: neutral, probability 0.5, flat vol, conviction 0, with its reason."""
        return cls(
            agent_id=agent_id,
            underlying=underlying,
            ts_ns=ts_ns,
            direction=Direction.NEUTRAL,
            probability=0.5,
            vol_view=VolView.FLAT,
            conviction=0.0,
            horizon_days=horizon_days,
            rationale=rationale,
            ttl_ns=ttl_ns,
            abstain_reason=reason_code,
        )

    @property
    def is_abstention(self) -> bool:
        """True when the agent abstained."""
        return self.abstain_reason is not None

    @property
    def expires_at_ns(self) -> int:
        """The first instant at which the view is no longer live."""
        return self.ts_ns + self.ttl_ns

    def is_live(self, now_ns: int) -> bool:
        """True from ``ts_ns`` until ``ts_ns + ttl_ns`` (exclusive)."""
        return self.ts_ns <= now_ns < self.expires_at_ns


class AgentContribution(DomainStruct, frozen=True, kw_only=True):
    """How much one agent's view weighed in a decision (``contribution`` is signed)."""

    agent_id: str
    view: View
    weight: float
    contribution: float

    def __post_init__(self) -> None:
        text_field(self, "agent_id", max_len=64)
        if not isinstance(self.view, View):
            raise fail("view", f"must be a View, got {type(self.view).__name__}")
        if self.view.agent_id != self.agent_id:
            raise fail(
                "agent_id", f"{self.agent_id!r} differs from the view's {self.view.agent_id!r}"
            )
        float_field(self, "weight", min_value=0.0)
        float_field(self, "contribution")


class Decision(DomainStruct, frozen=True, kw_only=True):
    """The consensus on one underlying: direction, vol view, confidence and the why.

    ``confidence`` and ``disagreement`` are in [0, 1]. ``reason_code`` is machine-readable (see
    ``Reason``) and ``explanation`` is the human sentence.
    """

    decision_id: str
    underlying: str
    ts_ns: int
    direction: Direction
    vol_view: VolView
    confidence: float
    disagreement: float
    contributions: tuple[AgentContribution, ...]
    reason_code: str
    explanation: str

    def __post_init__(self) -> None:
        text_field(self, "decision_id", max_len=128)
        text_field(self, "underlying", max_len=32)
        ts_field(self)
        enum_field(self, "direction", Direction)
        enum_field(self, "vol_view", VolView)
        unit_field(self, "confidence")
        unit_field(self, "disagreement")
        self._check_contributions()
        reason_code_field(self, "reason_code")
        text_field(self, "explanation", max_len=4000)

    def _check_contributions(self) -> None:
        items = self.contributions
        if isinstance(items, list):
            items = tuple(items)
            force_setattr(self, "contributions", items)
        if not isinstance(items, tuple) or not all(
            isinstance(item, AgentContribution) for item in items
        ):
            raise fail("contributions", "must be a tuple of AgentContribution")
        agents = [item.agent_id for item in items]
        if len(set(agents)) != len(agents):
            raise fail("contributions", "an agent appears more than once")
        for item in items:
            if item.view.underlying != self.underlying:
                where = item.view.underlying
                raise fail(
                    "contributions",
                    f"view of {item.agent_id!r} is on {where!r}, not {self.underlying!r}",
                )

    @property
    def is_actionable(self) -> bool:
        """True when the consensus reached a decision to act on (reason ``consensus``).

        A neutral direction can still be acted on through its ``vol_view``.
        """
        return self.reason_code == Reason.CONSENSUS
