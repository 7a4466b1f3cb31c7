"""Trading state as a ``(state, trigger) -> state`` table.

::

    ACTIVE    --reduce--> REDUCING   --halt/kill--> HALTED
    ACTIVE    --halt/kill--> HALTED
    REDUCING  --release--> ACTIVE
    HALTED    --release--> REDUCING    (a halt lifts to reduce-only first, never straight to ACTIVE)
    HALTED    --reduce--> HALTED       (a milder trip never lowers a halt)

``release`` from ACTIVE is illegal (there is nothing to release) and raises.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "IllegalTradingTransitionError",
    "TradingState",
    "TradingStateMachine",
    "TradingTrigger",
    "apply_trading_trigger",
]


class TradingState(enum.StrEnum):
    """What orders may pass: all (ACTIVE), risk-reducing only (REDUCING), none (HALTED)."""

    ACTIVE = "active"
    REDUCING = "reducing"
    HALTED = "halted"

    @property
    def severity(self) -> int:
        """0 ACTIVE, 1 REDUCING, 2 HALTED."""
        return _SEVERITY[self]


_SEVERITY: Final = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


class TradingTrigger(enum.StrEnum):
    """What moves the trading state."""

    REDUCE = "reduce"  # a breaker that forces reduce-only tripped
    HALT = "halt"  # a breaker that forces a halt tripped
    KILL = "kill"  # the kill switch
    RELEASE = "release"  # an admin lifts the state one step


class IllegalTradingTransitionError(RuntimeError):
    """A trigger the table does not allow from the current state."""


_S = TradingState
_T = TradingTrigger
_TRANSITIONS: Final[dict[tuple[TradingState, TradingTrigger], TradingState]] = {
    (_S.ACTIVE, _T.REDUCE): _S.REDUCING,
    (_S.ACTIVE, _T.HALT): _S.HALTED,
    (_S.ACTIVE, _T.KILL): _S.HALTED,
    (_S.REDUCING, _T.REDUCE): _S.REDUCING,  # a second reduce-trip changes nothing
    (_S.REDUCING, _T.HALT): _S.HALTED,
    (_S.REDUCING, _T.KILL): _S.HALTED,
    (_S.REDUCING, _T.RELEASE): _S.ACTIVE,
    (_S.HALTED, _T.REDUCE): _S.HALTED,  # a milder trip never lowers a halt
    (_S.HALTED, _T.HALT): _S.HALTED,
    (_S.HALTED, _T.KILL): _S.HALTED,
    (_S.HALTED, _T.RELEASE): _S.REDUCING,  # staged re-entry: reduce-only before active
}


def apply_trading_trigger(state: TradingState, trigger: TradingTrigger) -> TradingState:
    """The next state, or ``IllegalTradingTransitionError`` for a pair the table lacks."""
    try:
        return _TRANSITIONS[(state, trigger)]
    except KeyError:
        raise IllegalTradingTransitionError(
            f"cannot {trigger.value} while trading is {state.value}"
        ) from None


class TradingStateMachine:
    """Holds the trading state and moves it only through the table."""

    __slots__ = ("_state",)

    def __init__(self, initial: TradingState = TradingState.ACTIVE) -> None:
        self._state = TradingState(initial)

    @property
    def state(self) -> TradingState:
        """The current trading state."""
        return self._state

    def peek(self, trigger: TradingTrigger) -> TradingState:
        """The state ``trigger`` would lead to, without moving (raises if illegal)."""
        return apply_trading_trigger(self._state, trigger)

    def apply(self, trigger: TradingTrigger) -> TradingState:
        """Move by ``trigger`` and return the new state (raises if illegal)."""
        self._state = apply_trading_trigger(self._state, trigger)
        return self._state
