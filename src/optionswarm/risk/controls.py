"""Trading state, breakers and operator actions (kill switch, breaker reset, release).

Every change publishes an event through the sink; refused actions publish
:class:`ActionRefused` and raise :class:`ActionRefusedError`. The kill switch halts, asks the
order manager to cancel every working order (and to flatten, if configured) - by event, and by
direct call when an :class:`OrderControl` is wired.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import NamedTuple, Protocol

from optionswarm.risk.breakers import ActionRefusedError, Breaker
from optionswarm.risk.config import RiskConfig
from optionswarm.risk.events import (
    ActionRefused,
    BreakerTripped,
    CancelAllRequested,
    EventSink,
    FlattenRequested,
    KillSwitchEngaged,
    TradingStateChanged,
)
from optionswarm.risk.reasons import RiskCode
from optionswarm.risk.state import TradingState, TradingStateMachine, TradingTrigger

__all__ = ["OrderControl", "RiskControls"]

_FORCE_TRIGGER = {
    TradingState.REDUCING: TradingTrigger.REDUCE,
    TradingState.HALTED: TradingTrigger.HALT,
}


class _Attempt(NamedTuple):
    action: str
    target: str
    actor: str
    role: str
    ts_ns: int


class OrderControl(Protocol):
    """What the order manager offers the kill switch."""

    def cancel_all(self, reason: str) -> None:
        """Cancel every working order."""
        ...

    def flatten(self, reason: str) -> None:
        """Close every position (with orders whose ``source`` is ``"flatten"``)."""
        ...


class RiskControls:
    """Owns the trading state machine and the breakers; publishes what changes."""

    def __init__(
        self,
        config: RiskConfig,
        breakers: dict[str, Breaker],
        sink: EventSink,
        order_control: OrderControl | None = None,
    ) -> None:
        self.config = config
        self.breakers = breakers
        self.machine = TradingStateMachine()
        self.sink = sink
        self.order_control = order_control
        self.kill_engaged = False
        # breakers and the state change from the engine's thread and from a wall clock's timer
        # thread (heartbeat); one re-entrant lock keeps each change whole
        self.lock = threading.RLock()
        self._routes: dict[type, list[Breaker]] = {}
        for breaker in breakers.values():
            for event_type in breaker.observes:
                self._routes.setdefault(event_type, []).append(breaker)

    @property
    def state(self) -> TradingState:
        """The current trading state."""
        return self.machine.state

    def observe(self, event: object, now_ns: int) -> list[BreakerTripped]:
        """Feed an event to the breakers that watch its type; apply any trips."""
        with self.lock:
            trips = [
                trip
                for breaker in self._routes.get(type(event), ())
                if (trip := breaker.observe(event, now_ns)) is not None
            ]
            self._apply_trips(trips, now_ns)
            return trips

    def on_time(self, now_ns: int) -> list[BreakerTripped]:
        """Heartbeat: let time-driven breakers trip."""
        with self.lock:
            trips = [
                trip for b in self.breakers.values() if (trip := b.on_time(now_ns)) is not None
            ]
            self._apply_trips(trips, now_ns)
            return trips

    def _apply_trips(self, trips: Iterable[BreakerTripped], now_ns: int) -> None:
        for trip in trips:
            self.sink(trip)
            self._move(_FORCE_TRIGGER[trip.forces], trip.code, trip.message, "system", now_ns)

    def _move(
        self,
        trigger: TradingTrigger,
        code: RiskCode | None,
        message: str,
        actor: str,
        now_ns: int,
    ) -> None:
        previous = self.machine.state
        current = self.machine.apply(trigger)
        if current is not previous:
            self.sink(
                TradingStateChanged(
                    previous=previous,
                    current=current,
                    trigger=trigger,
                    code=code,
                    message=message,
                    actor=actor,
                    ts_ns=now_ns,
                )
            )

    def _refuse(self, attempt: _Attempt, error: ActionRefusedError) -> ActionRefusedError:
        self.sink(
            ActionRefused(
                action=attempt.action,
                target=attempt.target,
                actor=attempt.actor,
                role=attempt.role,
                code=error.code,
                message=error.message,
                ts_ns=attempt.ts_ns,
            )
        )
        return error

    def _require_role(self, attempt: _Attempt, roles: frozenset[str]) -> None:
        if attempt.role not in roles:
            error = ActionRefusedError(
                RiskCode.ROLE_NOT_PERMITTED,
                f"role {attempt.role!r} may not {attempt.action} (permitted: {sorted(roles)})",
            )
            raise self._refuse(attempt, error)

    def kill(
        self, actor: str, role: str, reason: str, now_ns: int, flatten: bool | None = None
    ) -> None:
        """Halt, cancel all working orders and optionally flatten."""
        with self.lock:
            self._require_role(
                _Attempt("kill", "trading", actor, role, now_ns), self.config.kill_roles
            )
            flatten = self.config.flatten_on_kill if flatten is None else flatten
            self.kill_engaged = True
            self.sink(
                KillSwitchEngaged(
                    actor=actor, role=role, reason=reason, flatten=flatten, ts_ns=now_ns
                )
            )
            self._move(TradingTrigger.KILL, RiskCode.KILL_SWITCH, reason, actor, now_ns)
            self.sink(CancelAllRequested(code=RiskCode.KILL_SWITCH, message=reason, ts_ns=now_ns))
            if self.order_control is not None:
                self.order_control.cancel_all(reason)
            if flatten:
                self.sink(FlattenRequested(code=RiskCode.KILL_SWITCH, message=reason, ts_ns=now_ns))
                if self.order_control is not None:
                    self.order_control.flatten(reason)

    def trip_breaker(
        self, name: str, actor: str, role: str, reason: str, now_ns: int
    ) -> BreakerTripped:
        """Trip one breaker by hand: it latches and forces its trading state like an automatic
        trip (permitted roles only; a tripped breaker is refused)."""
        with self.lock:
            attempt = _Attempt("trip", name, actor, role, now_ns)
            self._require_role(attempt, self.config.trip_roles)
            breaker = self.breakers[name]
            if breaker.tripped is not None:
                error = ActionRefusedError(
                    RiskCode.BREAKERS_STILL_TRIPPED, f"breaker {name} is already tripped"
                )
                raise self._refuse(attempt, error)
            trip = breaker.trip(f"tripped by {actor}: {reason}", now_ns)
            self._apply_trips([trip], now_ns)
            return trip

    def reset_breaker(self, name: str, actor: str, role: str, now_ns: int) -> None:
        """Reset one tripped breaker (does not by itself change the trading state)."""
        with self.lock:
            breaker = self.breakers[name]
            try:
                event = breaker.reset(actor, role, now_ns)
            except ActionRefusedError as error:
                raise self._refuse(_Attempt("reset", name, actor, role, now_ns), error) from None
            self.sink(event)

    def release(self, actor: str, role: str, now_ns: int) -> TradingState:
        """Lift the trading state one step, unless a tripped breaker still forces it."""
        with self.lock:
            attempt = _Attempt("release", "trading", actor, role, now_ns)
            self._require_role(attempt, self.config.release_roles)
            target = self.machine.peek(TradingTrigger.RELEASE)
            holding = sorted(
                b.name
                for b in self.breakers.values()
                if b.tripped is not None and b.forces.severity > target.severity
            )
            if holding:
                error = ActionRefusedError(
                    RiskCode.BREAKERS_STILL_TRIPPED,
                    f"breakers {holding} are tripped; reset them before releasing",
                )
                raise self._refuse(attempt, error)
            self._move(TradingTrigger.RELEASE, None, f"released by {actor}", actor, now_ns)
            self.kill_engaged = False  # a release never targets HALTED
            return target
