"""Operator actions on the risk engine, audited with their actor; refusals become errors.

The risk engine checks roles itself (``kill_roles``, ``release_roles``, breaker
``reset_roles``): a refusal by role is a :class:`ForbiddenError`, any other refusal (nothing to
release, not tripped, still tripped) a :class:`RefusedError`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from optionswarm.risk import (
    ActionRefusedError,
    IllegalTradingTransitionError,
    RiskCode,
    RiskEngine,
)
from optionswarm.service import views as v
from optionswarm.service.errors import ForbiddenError, NotFoundError, RefusedError
from optionswarm.service.ports import Actor
from optionswarm.service.risk_view import risk_view

__all__ = ["RiskOps"]


class RiskOps:
    """Kill switch, release and breakers; ``act(kind, actor, **payload)`` audits."""

    def __init__(self, risk: RiskEngine, act: Callable[..., None]) -> None:
        self.risk = risk
        self.act = act

    def risk_state(self) -> v.Risk:
        """Trading state, breakers, limits and usage."""
        return risk_view(self.risk)

    def _risk_action(self, action: str, actor: Actor, call: Any, **payload: Any) -> v.RiskAction:
        try:
            call()
        except IllegalTradingTransitionError as exc:
            raise RefusedError("illegal_transition", str(exc)) from None
        except ActionRefusedError as exc:
            self.act(f"api.{action}_refused", actor, code=str(exc.code), **payload)
            if exc.code is RiskCode.ROLE_NOT_PERMITTED:
                raise ForbiddenError(str(exc.code), exc.message) from None
            raise RefusedError(str(exc.code), exc.message) from None
        self.act(f"api.{action}", actor, **payload)
        return v.RiskAction(action=action, actor=actor.username, risk=self.risk_state())

    def kill(self, actor: Actor, reason: str) -> v.RiskAction:
        """The kill switch: halt, cancel working orders (flatten if configured)."""
        return self._risk_action(
            "kill",
            actor,
            lambda: self.risk.kill(actor.username, actor.role, reason),
            reason=reason,
        )

    def release(self, actor: Actor) -> v.RiskAction:
        """Lift the trading state one step (HALTED -> REDUCING -> ACTIVE)."""
        return self._risk_action(
            "release", actor, lambda: self.risk.release(actor.username, actor.role)
        )

    def _breaker(self, name: str) -> None:
        if name not in self.risk.controls.breakers:
            raise NotFoundError("breaker_not_found", f"no breaker {name!r}")

    def trip_breaker(self, name: str, actor: Actor, reason: str) -> v.RiskAction:
        """Trip a breaker by hand (it forces its trading state until reset)."""
        self._breaker(name)
        return self._risk_action(
            "breaker_trip",
            actor,
            lambda: self.risk.trip_breaker(name, actor.username, actor.role, reason),
            breaker=name,
            reason=reason,
        )

    def reset_breaker(self, name: str, actor: Actor) -> v.RiskAction:
        """Reset a tripped breaker (the trading state is lifted by ``release``)."""
        self._breaker(name)
        return self._risk_action(
            "breaker_reset",
            actor,
            lambda: self.risk.reset_breaker(name, actor.username, actor.role),
            breaker=name,
        )
