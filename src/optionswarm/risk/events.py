"""Events the risk engine publishes (for the audit log, the order manager and the dashboard).

All are frozen msgspec structs tagged with their ``kind`` (``"risk.breaker_tripped"``...), so a
``RiskEvent`` union decodes from JSON and each type has its own bus topic (:data:`RISK_TOPICS`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import msgspec

from optionswarm.bus import MessageBus, Topic
from optionswarm.risk.reasons import DenyReason, RiskCode
from optionswarm.risk.state import TradingState, TradingTrigger

__all__ = [
    "RISK_TOPICS",
    "ActionRefused",
    "BreakerReset",
    "BreakerTripped",
    "BusEventSink",
    "CancelAllRequested",
    "EventSink",
    "FlattenRequested",
    "KillSwitchEngaged",
    "RiskDecision",
    "RiskEvent",
    "RiskVerdict",
    "TradingStateChanged",
]


class RiskDecision(enum.StrEnum):
    """The outcome of a pre-trade check."""

    ACCEPT = "accept"
    DENY = "deny"
    NEEDS_APPROVAL = "needs_approval"


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    pass


class RiskVerdict(_Event, frozen=True, kw_only=True, tag="risk.verdict"):
    """The verdict on one order: every failing reason, not just the first."""

    client_order_id: str
    decision: RiskDecision
    reasons: tuple[DenyReason, ...]
    approval_reasons: tuple[DenyReason, ...]
    trading_state: TradingState
    risk_reducing: bool
    structure: str
    ts_ns: int

    @property
    def accepted(self) -> bool:
        """True when the order may go to the broker without approval."""
        return self.decision is RiskDecision.ACCEPT

    @property
    def codes(self) -> tuple[RiskCode, ...]:
        """The denial codes, in check order."""
        return tuple(reason.code for reason in self.reasons)


class BreakerTripped(_Event, frozen=True, kw_only=True, tag="risk.breaker_tripped"):
    """A circuit breaker tripped; ``forces`` is the trading state it imposes."""

    breaker: str
    code: RiskCode
    message: str
    forces: TradingState
    ts_ns: int


class BreakerReset(_Event, frozen=True, kw_only=True, tag="risk.breaker_reset"):
    """A permitted actor reset a tripped breaker."""

    breaker: str
    actor: str
    role: str
    ts_ns: int


class ActionRefused(_Event, frozen=True, kw_only=True, tag="risk.action_refused"):
    """An operator action (reset, release, kill) was refused."""

    action: str
    target: str
    actor: str
    role: str
    code: RiskCode
    message: str
    ts_ns: int


class TradingStateChanged(_Event, frozen=True, kw_only=True, tag="risk.trading_state_changed"):
    """The trading state moved (``actor`` is ``"system"`` for a breaker)."""

    previous: TradingState
    current: TradingState
    trigger: TradingTrigger
    code: RiskCode | None
    message: str
    actor: str
    ts_ns: int


class KillSwitchEngaged(_Event, frozen=True, kw_only=True, tag="risk.kill_switch"):
    """The kill switch halted trading."""

    actor: str
    role: str
    reason: str
    flatten: bool
    ts_ns: int


class CancelAllRequested(_Event, frozen=True, kw_only=True, tag="risk.cancel_all"):
    """The order manager must cancel every working order."""

    code: RiskCode
    message: str
    ts_ns: int


class FlattenRequested(_Event, frozen=True, kw_only=True, tag="risk.flatten"):
    """The order manager must close every position (orders with ``source="flatten"``)."""

    code: RiskCode
    message: str
    ts_ns: int


RiskEvent = (
    RiskVerdict
    | BreakerTripped
    | BreakerReset
    | ActionRefused
    | TradingStateChanged
    | KillSwitchEngaged
    | CancelAllRequested
    | FlattenRequested
)
EventSink = Callable[[RiskEvent], None]

RISK_TOPICS: dict[type, Topic[object]] = {
    cls: Topic(cls.__struct_config__.tag, cls)  # type: ignore[arg-type]
    for cls in (
        RiskVerdict,
        BreakerTripped,
        BreakerReset,
        ActionRefused,
        TradingStateChanged,
        KillSwitchEngaged,
        CancelAllRequested,
        FlattenRequested,
    )
}


class BusEventSink:
    """Publishes each risk event on its own topic of a :class:`MessageBus`."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def __call__(self, event: RiskEvent) -> None:
        self.bus.publish(RISK_TOPICS[type(event)], event)
