"""Where an approval decision goes: the order manager's PENDING_APPROVAL orders.

``ApprovalTarget`` is the small port oversight needs; :class:`OrderManagerTarget` adapts the
execution ``OrderManager`` (approve -> SUBMITTED, reject -> DENIED). An order that is no longer
waiting (cancelled by a kill switch, unknown after a restart) is reported, never sent.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from optionswarm.execution import (
    IllegalOrderTransitionError,
    OrderManager,
    OrderState,
    UnknownOrderError,
)

__all__ = ["ApprovalTarget", "OrderManagerTarget", "RecordingTarget"]


@runtime_checkable
class ApprovalTarget(Protocol):
    """Releases or rejects an order waiting for approval; False if it no longer waits."""

    def is_waiting(self, client_order_id: str) -> bool:
        """True while the order waits for an approval here."""
        ...

    def release(self, client_order_id: str, actor: str) -> bool:
        """Send the approved order on (to the broker)."""
        ...

    def reject(self, client_order_id: str, reason: str) -> bool:
        """Refuse the order; it is never executed."""
        ...


class OrderManagerTarget:
    """The execution order manager as an approval target."""

    def __init__(self, manager: OrderManager) -> None:
        self.manager = manager

    def is_waiting(self, client_order_id: str) -> bool:
        """True while the manager holds the order in PENDING_APPROVAL."""
        try:
            return self.manager.get(client_order_id).state is OrderState.PENDING_APPROVAL
        except UnknownOrderError:
            return False

    def release(self, client_order_id: str, actor: str) -> bool:
        """Approve: the manager sends the order to the broker."""
        if not self.is_waiting(client_order_id):
            return False
        try:
            self.manager.approve(client_order_id, actor)
        except IllegalOrderTransitionError:  # pragma: no cover - raced by a cancel
            return False
        return True

    def reject(self, client_order_id: str, reason: str) -> bool:
        """Deny: the manager moves the order to DENIED and publishes the rejection."""
        if not self.is_waiting(client_order_id):
            return False
        try:
            self.manager.reject_approval(client_order_id, "oversight", reason)
        except IllegalOrderTransitionError:  # pragma: no cover - raced by a cancel
            return False
        return True


class RecordingTarget:
    """A target that remembers what it was told (tests, and the CLI's store-only service)."""

    def __init__(self) -> None:
        self.released: list[tuple[str, str]] = []
        self.rejected: list[tuple[str, str]] = []
        self.waiting: set[str] = set()

    def is_waiting(self, client_order_id: str) -> bool:
        """True for ids put in ``waiting`` and not yet released or rejected."""
        return client_order_id in self.waiting

    def release(self, client_order_id: str, actor: str) -> bool:
        """Remember the release."""
        self.waiting.discard(client_order_id)
        self.released.append((client_order_id, actor))
        return True

    def reject(self, client_order_id: str, reason: str) -> bool:
        """Remember the rejection."""
        self.waiting.discard(client_order_id)
        self.rejected.append((client_order_id, reason))
        return True
