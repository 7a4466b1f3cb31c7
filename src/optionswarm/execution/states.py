"""The order state machine as data: ``(state, trigger) -> state`` and one ``apply_order_trigger``.

::

    NEW --submit--> PENDING_RISK --accept--> SUBMITTED --ack--> WORKING
    PENDING_RISK --deny--> DENIED            PENDING_RISK --needs_approval--> PENDING_APPROVAL
    PENDING_APPROVAL --approve--> SUBMITTED  PENDING_APPROVAL --deny|expire--> DENIED|EXPIRED
    SUBMITTED|WORKING|PARTIALLY_FILLED --fill--> PARTIALLY_FILLED --fill_all--> FILLED
    working --cancel--> CANCEL_PENDING --cancelled--> CANCELLED (a fill may still arrive first)
    working --replace--> REPLACE_PENDING --replaced--> WORKING
    working --reject--> REJECTED        working --expire--> EXPIRED

DENIED, FILLED, CANCELLED, REJECTED and EXPIRED are terminal: nothing leaves them.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "TERMINAL_STATES",
    "WORKING_STATES",
    "IllegalOrderTransitionError",
    "OrderState",
    "OrderTrigger",
    "apply_order_trigger",
    "transition_table",
]


class OrderState(enum.StrEnum):
    """Where an order is in its life."""

    NEW = "new"  # built from an intent, not yet checked
    PENDING_RISK = "pending_risk"  # at the risk gate
    PENDING_APPROVAL = "pending_approval"  # risk asked for a human approval (oversight)
    DENIED = "denied"  # refused by risk or by the approver
    SUBMITTED = "submitted"  # sent to the broker, not yet acknowledged
    WORKING = "working"  # resting at the broker
    PARTIALLY_FILLED = "partially_filled"  # some package units filled, the rest works
    FILLED = "filled"
    CANCEL_PENDING = "cancel_pending"
    CANCELLED = "cancelled"
    REPLACE_PENDING = "replace_pending"
    REJECTED = "rejected"  # refused by the broker
    EXPIRED = "expired"  # DAY order at the session close, or an approval that timed out


class OrderTrigger(enum.StrEnum):
    """What moves an order."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    DENY = "deny"
    NEEDS_APPROVAL = "needs_approval"
    APPROVE = "approve"
    ACK = "ack"
    FILL = "fill"  # some units filled, some left
    FILL_ALL = "fill_all"  # the last units filled
    CANCEL = "cancel"
    CANCELLED = "cancelled"
    REPLACE = "replace"
    REPLACED = "replaced"
    REJECT = "reject"
    EXPIRE = "expire"


class IllegalOrderTransitionError(RuntimeError):
    """A trigger the table does not allow from the order's current state."""


_S = OrderState
_T = OrderTrigger
_LIVE = (_S.SUBMITTED, _S.WORKING, _S.PARTIALLY_FILLED)
_TRANSITIONS: dict[tuple[OrderState, OrderTrigger], OrderState] = {
    (_S.NEW, _T.SUBMIT): _S.PENDING_RISK,
    (_S.PENDING_RISK, _T.ACCEPT): _S.SUBMITTED,
    (_S.PENDING_RISK, _T.DENY): _S.DENIED,
    (_S.PENDING_RISK, _T.NEEDS_APPROVAL): _S.PENDING_APPROVAL,
    (_S.PENDING_APPROVAL, _T.APPROVE): _S.SUBMITTED,  # risk is re-checked by the approver first
    (_S.PENDING_APPROVAL, _T.DENY): _S.DENIED,
    (_S.PENDING_APPROVAL, _T.EXPIRE): _S.EXPIRED,
    (_S.PENDING_APPROVAL, _T.CANCEL): _S.CANCELLED,  # nothing at the broker: cancelled at once
    (_S.SUBMITTED, _T.ACK): _S.WORKING,
    (_S.REPLACE_PENDING, _T.REPLACED): _S.WORKING,
    (_S.CANCEL_PENDING, _T.CANCELLED): _S.CANCELLED,
    # a fill racing the cancel or replace still counts; the request stays pending
    (_S.CANCEL_PENDING, _T.FILL): _S.CANCEL_PENDING,
    (_S.CANCEL_PENDING, _T.FILL_ALL): _S.FILLED,
    (_S.REPLACE_PENDING, _T.FILL): _S.REPLACE_PENDING,
    (_S.REPLACE_PENDING, _T.FILL_ALL): _S.FILLED,
    (_S.REPLACE_PENDING, _T.REJECT): _S.WORKING,  # the broker refused the new terms only
    (_S.CANCEL_PENDING, _T.EXPIRE): _S.EXPIRED,
    (_S.REPLACE_PENDING, _T.EXPIRE): _S.EXPIRED,
}
for _live in _LIVE:
    _TRANSITIONS[(_live, _T.FILL)] = _S.PARTIALLY_FILLED
    _TRANSITIONS[(_live, _T.FILL_ALL)] = _S.FILLED
    _TRANSITIONS[(_live, _T.CANCEL)] = _S.CANCEL_PENDING
    _TRANSITIONS[(_live, _T.REJECT)] = _S.REJECTED
    _TRANSITIONS[(_live, _T.EXPIRE)] = _S.EXPIRED
_TRANSITIONS[(_S.WORKING, _T.REPLACE)] = _S.REPLACE_PENDING
_TRANSITIONS[(_S.PARTIALLY_FILLED, _T.REPLACE)] = _S.REPLACE_PENDING

TERMINAL_STATES: Final = frozenset({_S.DENIED, _S.FILLED, _S.CANCELLED, _S.REJECTED, _S.EXPIRED})
WORKING_STATES: Final = frozenset(
    {*_LIVE, _S.CANCEL_PENDING, _S.REPLACE_PENDING}
)  # at the broker: what cancel-all cancels and the session close expires


def apply_order_trigger(state: OrderState, trigger: OrderTrigger) -> OrderState:
    """The next state, or ``IllegalOrderTransitionError`` for a pair the table does not hold."""
    try:
        return _TRANSITIONS[(state, trigger)]
    except KeyError:
        message = f"an order that is {state.value} cannot take {trigger.value}"
        raise IllegalOrderTransitionError(message) from None


def transition_table() -> dict[tuple[OrderState, OrderTrigger], OrderState]:
    """A copy of the table (for documentation and exhaustive tests)."""
    return dict(_TRANSITIONS)
