"""``AnalystContext``: everything a slow agent may see at a decision time, and nothing later.

The context is pre-fetched (no tool calling): features, headlines and similar past cases as
of ``ts_ns``. Construction refuses anything stamped after ``ts_ns`` — a headline not yet
published, a past case whose outcome was not yet known, features from the future — with
``LookAheadError``, so a prompt can never leak the future.
"""

from __future__ import annotations

import msgspec

from optionswarm.agents.slow.news import Headline
from optionswarm.features import Features

__all__ = ["AnalystContext", "LookAheadError", "PastCase"]


class LookAheadError(ValueError):
    """Something in a context was stamped after the decision time."""


class PastCase(msgspec.Struct, frozen=True, kw_only=True):
    """A remembered situation and what followed; ``outcome_known_ns`` is when the outcome was
    known (e.g. the end of the horizon). ``similarity`` is filled in by recall (1 = same)."""

    case_id: str
    underlying: str
    decided_ns: int
    outcome_known_ns: int
    situation: str
    outcome: str
    similarity: float = 0.0


class AnalystContext(msgspec.Struct, frozen=True, kw_only=True):
    """The inputs of one analysis of ``underlying`` at ``ts_ns`` (see the module docstring)."""

    underlying: str
    ts_ns: int
    features: Features | None = None
    headlines: tuple[Headline, ...] = ()
    cases: tuple[PastCase, ...] = ()

    def __post_init__(self) -> None:
        if self.features is not None and self.features.ts_ns > self.ts_ns:
            raise LookAheadError(f"features at {self.features.ts_ns} are after {self.ts_ns}")
        for headline in self.headlines:
            if headline.published_ns > self.ts_ns:
                raise LookAheadError(f"headline {headline.title!r} is published after {self.ts_ns}")
        for case in self.cases:
            if case.outcome_known_ns > self.ts_ns:
                raise LookAheadError(f"case {case.case_id!r}'s outcome is known after {self.ts_ns}")
