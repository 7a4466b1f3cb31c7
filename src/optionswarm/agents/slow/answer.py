"""What an analyst may answer, and how code — not the model — turns it into a ``View``.

The model picks from pre-computed allowed values only: a direction, a volatility view and a
conviction *bucket*, plus a short reason. It never outputs a number that goes unchecked:
``ConvictionScale`` maps the bucket to conviction and probability, capped by configuration.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

import msgspec

from optionswarm.llm import canonical_schema
from optionswarm.model import Direction, View, VolView

__all__ = ["ANSWER_SCHEMA", "AnalystAnswer", "ConvictionScale"]

_REASON_MAX = 240


class AnalystAnswer(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A validated analyst answer (every field required; nothing else allowed)."""

    direction: Literal["bullish", "bearish", "neutral"]
    volatility: Literal["rising", "falling", "flat"]
    conviction: Literal["low", "medium", "high"]
    reason: Annotated[str, msgspec.Meta(max_length=_REASON_MAX)]


_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "properties": {
        "direction": {"type": "string", "enum": ["bullish", "bearish", "neutral"]},
        "volatility": {"type": "string", "enum": ["rising", "falling", "flat"]},
        "conviction": {"type": "string", "enum": ["low", "medium", "high"]},
        "reason": {"type": "string", "maxLength": 160},
    },
    "required": ["direction", "volatility", "conviction", "reason"],
    "additionalProperties": False,
}

ANSWER_SCHEMA: Final[str] = canonical_schema(_SCHEMA)
"""The JSON schema decoding is constrained to (canonical text, part of the cache key)."""


class ConvictionScale(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Bucket -> conviction, and conviction -> probability ``0.5 + edge * conviction``.

    ``cap`` bounds any analyst's conviction, so a small model's overconfidence is harmless.
    """

    low: float = 0.2
    medium: float = 0.45
    high: float = 0.7
    edge: float = 0.25
    cap: float = 0.7

    def __post_init__(self) -> None:
        levels = (self.low, self.medium, self.high)
        if not 0.0 < self.low <= self.medium <= self.high <= 1.0:
            raise ValueError(f"conviction levels must rise within (0, 1], got {levels}")
        if not 0.0 <= self.edge <= 0.5 or not 0.0 < self.cap <= 1.0:
            raise ValueError("edge must be in [0, 0.5] and cap in (0, 1]")

    def view(
        self,
        answer: AnalystAnswer,
        *,
        agent_id: str,
        underlying: str,
        ts_ns: int,
        horizon_days: int,
        ttl_ns: int,
    ) -> View:
        """The ``View`` code derives from ``answer``."""
        conviction = min(self.cap, getattr(self, answer.conviction))
        direction = Direction(answer.direction)
        probability = 0.5 if direction is Direction.NEUTRAL else 0.5 + self.edge * conviction
        return View(
            agent_id=agent_id,
            underlying=underlying,
            ts_ns=ts_ns,
            direction=direction,
            probability=probability,
            vol_view=VolView(answer.volatility),
            conviction=conviction,
            horizon_days=horizon_days,
            rationale=answer.reason.strip() or "(no reason given)",
            ttl_ns=ttl_ns,
        )
