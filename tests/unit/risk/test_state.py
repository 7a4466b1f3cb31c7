"""The trading-state table: every legal edge, and the illegal ones raise."""

from __future__ import annotations

import pytest

from optionswarm.risk import (
    IllegalTradingTransitionError,
    TradingState,
    TradingStateMachine,
    TradingTrigger,
)
from optionswarm.risk.state import apply_trading_trigger

A, R, H = TradingState.ACTIVE, TradingState.REDUCING, TradingState.HALTED
T = TradingTrigger


@pytest.mark.parametrize(
    ("state", "trigger", "expected"),
    [
        (A, T.REDUCE, R),
        (A, T.HALT, H),
        (A, T.KILL, H),
        (R, T.REDUCE, R),
        (R, T.HALT, H),
        (R, T.KILL, H),
        (R, T.RELEASE, A),
        (H, T.REDUCE, H),
        (H, T.HALT, H),
        (H, T.KILL, H),
        (H, T.RELEASE, R),
    ],
)
def test_transition_table(
    state: TradingState, trigger: TradingTrigger, expected: TradingState
) -> None:
    assert apply_trading_trigger(state, trigger) is expected


def test_release_while_active_is_illegal() -> None:
    machine = TradingStateMachine()
    with pytest.raises(
        IllegalTradingTransitionError, match="cannot release while trading is active"
    ):
        machine.apply(T.RELEASE)
    assert machine.state is A


def test_halt_lifts_to_reducing_before_active() -> None:
    machine = TradingStateMachine(H)
    assert machine.peek(T.RELEASE) is R
    assert machine.state is H
    assert machine.apply(T.RELEASE) is R
    assert machine.apply(T.RELEASE) is A


def test_severity_orders_the_states() -> None:
    assert [s.severity for s in (A, R, H)] == [0, 1, 2]
