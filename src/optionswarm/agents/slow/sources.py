"""Building contexts as of a decision time: features, headlines and recalled cases.

``ContextBuilder.build`` gathers only what was known at ``ts_ns``: headlines published by
then (within a look-back), cases whose outcome was known by then. ``FeatureContextSource``
is the live ``ContextSource``: the features snapshots a callable returns, stamped by a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from optionswarm.agents.slow.context import AnalystContext, PastCase
from optionswarm.agents.slow.memory import AgentMemory, describe
from optionswarm.agents.slow.news import Headline, HeadlineFeed
from optionswarm.engine import Clock
from optionswarm.features import Features
from optionswarm.model import NS_PER_DAY

__all__ = ["ContextBuilder", "ContextLimits", "FeatureContextSource"]


class ContextLimits(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How much context a prompt gets."""

    headline_lookback_ns: int = 3 * NS_PER_DAY
    max_headlines: int = 8
    max_cases: int = 3


class ContextBuilder:
    """Assembles ``AnalystContext``s from a headline feed and an agent memory (both optional)."""

    def __init__(
        self,
        feed: HeadlineFeed | None = None,
        memory: AgentMemory | None = None,
        limits: ContextLimits | None = None,
    ) -> None:
        self.feed = feed
        self.memory = memory
        self.limits = limits or ContextLimits()

    def build(self, underlying: str, ts_ns: int, features: Features | None) -> AnalystContext:
        """The context of ``underlying`` at ``ts_ns`` (nothing stamped later)."""
        limits = self.limits
        headlines: tuple[Headline, ...] = ()
        if self.feed is not None:
            headlines = self.feed.as_of(
                ts_ns,
                lookback_ns=limits.headline_lookback_ns,
                underlying=underlying,
                limit=limits.max_headlines,
            )
        cases: tuple[PastCase, ...] = ()
        if self.memory is not None and features is not None and limits.max_cases > 0:
            cases = self.memory.recall(
                describe(features), ts_ns, k=limits.max_cases, underlying=underlying
            )
        return AnalystContext(
            underlying=underlying,
            ts_ns=ts_ns,
            features=features,
            headlines=headlines,
            cases=cases,
        )


class FeatureContextSource:
    """Contexts for every features snapshot ``snapshots()`` returns, as of ``clock.now_ns()``.

    A snapshot stamped after the clock's now is skipped rather than leaked.
    """

    def __init__(
        self,
        builder: ContextBuilder,
        snapshots: Callable[[], Sequence[Features]],
        clock: Clock,
    ) -> None:
        self._builder = builder
        self._snapshots = snapshots
        self._clock = clock

    def contexts(self) -> list[AnalystContext]:
        """One context per known underlying, now."""
        now = self._clock.now_ns()
        return [
            self._builder.build(f.underlying, now, f) for f in self._snapshots() if f.ts_ns <= now
        ]
