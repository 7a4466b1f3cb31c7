"""What the order manager keeps and tells: order records and transition events, with topics.

Every transition is an ``OrderEvent`` on ``ORDER_EVENTS`` (the audit log and the API subscribe),
with a machine-readable ``reason_code`` and a human sentence. Execution-side observations
(assignment, pin risk, reconciliation) are ``ExecutionNotice``s on ``EXECUTION_NOTICES``.
"""

from __future__ import annotations

from typing import Final

import msgspec

from optionswarm.bus import Topic
from optionswarm.execution.states import TERMINAL_STATES, WORKING_STATES, OrderState, OrderTrigger
from optionswarm.model import OrderIntent

__all__ = [
    "EXECUTION_NOTICES",
    "ORDER_EVENTS",
    "ExecutionNotice",
    "OrderEvent",
    "OrderRecord",
]


class OrderRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One order as the manager knows it: its intent, state and filled package units."""

    intent: OrderIntent
    state: OrderState
    filled_quantity: int = 0
    leg_filled: tuple[int, ...] = ()  # contracts/shares filled per leg, in leg order
    reason_code: str = ""
    message: str = ""
    created_ns: int = 0
    updated_ns: int = 0

    @property
    def client_order_id(self) -> str:
        """The idempotency key."""
        return self.intent.client_order_id

    @property
    def remaining(self) -> int:
        """Package units not yet filled."""
        return self.intent.quantity - self.filled_quantity

    @property
    def is_terminal(self) -> bool:
        """True once nothing more can happen to the order."""
        return self.state in TERMINAL_STATES

    @property
    def is_working(self) -> bool:
        """True while the order is at the broker."""
        return self.state in WORKING_STATES


class OrderEvent(msgspec.Struct, frozen=True, kw_only=True, tag="order.transition"):
    """One order moved from ``previous`` to ``state`` because of ``trigger``."""

    client_order_id: str
    previous: OrderState
    state: OrderState
    trigger: OrderTrigger
    reason_code: str
    message: str
    filled_quantity: int
    quantity: int
    ts_ns: int


class ExecutionNotice(msgspec.Struct, frozen=True, kw_only=True, tag="execution.notice"):
    """Something execution saw that risk and the audit log must know (``kind`` says what).

    Kinds: ``early_assignment``, ``assignment``, ``exercise``, ``pin_risk``,
    ``position_mismatch``, ``position_reconciled``.
    """

    kind: str
    symbol: str
    quantity: int
    reason_code: str
    message: str
    ts_ns: int


ORDER_EVENTS: Final = Topic("orders.events", OrderEvent)
EXECUTION_NOTICES: Final = Topic("execution.notices", ExecutionNotice)
