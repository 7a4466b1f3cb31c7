"""``RunBudget``: the tokens and wall-clock seconds one run may spend on models; fails closed.

``reserve(max_tokens)`` is called before a call and refuses (``BudgetExhaustedError``) when
the tokens spent plus the call's maximum would pass the budget, or when the wall-clock budget
is spent; ``charge`` records what the call really used. Cached answers are charged their
recorded tokens too, so a replayed backtest runs out of budget at the same call as the
original run (wall time alone is not reproducible, and is documented as such).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from optionswarm.llm._errors import BudgetExhaustedError

__all__ = ["RunBudget"]


class RunBudget:
    """Token and wall-clock budget for one run (thread-safe)."""

    def __init__(
        self,
        token_budget: int,
        wall_budget_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = token_budget
        self._wall = wall_budget_s
        self._monotonic = monotonic
        self._started = monotonic()
        self._spent = 0
        self._lock = threading.Lock()

    @property
    def tokens_spent(self) -> int:
        """Tokens charged so far."""
        return self._spent

    @property
    def tokens_left(self) -> int:
        """Tokens still available (never negative)."""
        return max(0, self._tokens - self._spent)

    def seconds_left(self) -> float:
        """Wall-clock seconds still available (never negative)."""
        return max(0.0, self._wall - (self._monotonic() - self._started))

    def reserve(self, max_tokens: int) -> float:
        """Check a call of up to ``max_tokens`` may start; returns the seconds left."""
        left = self.seconds_left()
        with self._lock:
            if left <= 0.0:
                raise BudgetExhaustedError(f"wall-clock budget of {self._wall:.0f} s is spent")
            if self._spent + max_tokens > self._tokens:
                raise BudgetExhaustedError(
                    f"token budget: {self._spent} of {self._tokens} spent, "
                    f"a call may need {max_tokens} more"
                )
        return left

    def charge(self, tokens: int) -> None:
        """Record ``tokens`` spent."""
        with self._lock:
            self._spent += tokens
