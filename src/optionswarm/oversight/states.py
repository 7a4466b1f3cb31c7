"""The approval request's life as a ``(status, trigger) -> status`` table.

::

    PENDING --approve (four eyes, first of two)--> APPROVED_PARTIAL --approve--> APPROVED
    PENDING --approve (enough approvers)--> APPROVED
    PENDING | APPROVED_PARTIAL --reject--> REJECTED      (an approver, a failed re-check, a halt)
    PENDING | APPROVED_PARTIAL --expire--> EXPIRED      (time-to-live passed: never executed)
    PENDING | APPROVED_PARTIAL --cancel--> CANCELLED    (the order went away, e.g. cancel-all)
    APPROVED --reject--> REJECTED   (a remote approval the node's re-check refuses at release)

REJECTED, EXPIRED and CANCELLED are terminal; APPROVED is final once the order is released.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "ApprovalStatus",
    "ApprovalTrigger",
    "IllegalApprovalTransitionError",
    "apply_approval_trigger",
    "approval_table",
]


class ApprovalStatus(enum.StrEnum):
    """Where an approval request is."""

    PENDING = "pending"
    APPROVED_PARTIAL = "approved_partial"  # one of two approvers said yes
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """True while an approver may still answer."""
        return self in OPEN_STATUSES


class ApprovalTrigger(enum.StrEnum):
    """What moves a request."""

    APPROVE_PARTIAL = "approve_partial"  # an approval that still needs another approver
    APPROVE = "approve"  # the last approval needed
    REJECT = "reject"
    EXPIRE = "expire"
    CANCEL = "cancel"


class IllegalApprovalTransitionError(RuntimeError):
    """The request cannot take that trigger (e.g. it was already decided)."""


_S = ApprovalStatus
_T = ApprovalTrigger
OPEN_STATUSES: Final = frozenset({_S.PENDING, _S.APPROVED_PARTIAL})
_TRANSITIONS: Final[dict[tuple[ApprovalStatus, ApprovalTrigger], ApprovalStatus]] = {
    (_S.PENDING, _T.APPROVE_PARTIAL): _S.APPROVED_PARTIAL,
    (_S.PENDING, _T.APPROVE): _S.APPROVED,
    (_S.APPROVED_PARTIAL, _T.APPROVE): _S.APPROVED,
    # an approval given in another process (the CLI) is re-checked by the node before release;
    # if risk refuses it then, it is rejected with the reason and never sent
    (_S.APPROVED, _T.REJECT): _S.REJECTED,
}
for _open in OPEN_STATUSES:
    _TRANSITIONS[(_open, _T.REJECT)] = _S.REJECTED
    _TRANSITIONS[(_open, _T.EXPIRE)] = _S.EXPIRED
    _TRANSITIONS[(_open, _T.CANCEL)] = _S.CANCELLED


def apply_approval_trigger(status: ApprovalStatus, trigger: ApprovalTrigger) -> ApprovalStatus:
    """The next status, or ``IllegalApprovalTransitionError`` for a pair the table lacks."""
    try:
        return _TRANSITIONS[(status, trigger)]
    except KeyError:
        raise IllegalApprovalTransitionError(
            f"a request that is {status.value} cannot take {trigger.value}"
        ) from None


def approval_table() -> dict[tuple[ApprovalStatus, ApprovalTrigger], ApprovalStatus]:
    """A copy of the table (documentation and exhaustive tests)."""
    return dict(_TRANSITIONS)
