"""The event kinds the system records, so that every subsystem names them the same way.

Kinds are plain strings in the log (any printable string of up to 128 bytes is accepted); these
constants are the agreed names. Payloads are the domain's msgspec Structs or plain dicts.
"""

from __future__ import annotations

import enum

__all__ = ["AuditKind"]


class AuditKind(enum.StrEnum):
    """Agreed names of audited events, ``area.event``."""

    DATA_QUARANTINE = "data.quarantine"  # summary of ticks quarantined by validation
    VIEW_PUBLISHED = "agent.view"  # an agent's View (or abstention)
    DECISION_MADE = "consensus.decision"  # a consensus Decision with its explanation
    RISK_VERDICT = "risk.verdict"  # accept / deny(reason) / needs approval
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_GRANTED = "approval.granted"
    APPROVAL_DENIED = "approval.denied"
    APPROVAL_EXPIRED = "approval.expired"
    ORDER_SUBMITTED = "order.submitted"  # an OrderIntent as sent
    ORDER_TRANSITION = "order.transition"  # (state, trigger) -> state of the order manager
    ORDER_FILLED = "order.fill"  # a Fill
    BREAKER_TRIPPED = "breaker.tripped"
    BREAKER_RESET = "breaker.reset"
    TRADING_STATE = "trading.state"  # trading state changes (active, reducing, halted)
    CONFIG_CHANGED = "config.changed"
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    ROLE_CHANGED = "auth.role_changed"
    ARCHIVED = "audit.archived"  # written by the log itself when a segment goes cold
