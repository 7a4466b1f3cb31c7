"""Components with one lifecycle, driven by a ``(state, trigger) -> state`` table.

``start``, ``stop`` and ``reset`` are final (a subclass that overrides them fails at class
creation); subclasses implement ``on_start``, ``on_stop`` and ``on_reset``. A hook that raises
moves the component to FAULTED and the error propagates as ``ComponentError``; only ``reset``
leaves FAULTED.

::

    INITIALIZED --start--> RUNNING --stop--> STOPPED --start--> RUNNING
    STOPPED --reset--> INITIALIZED      FAULTED --reset--> INITIALIZED
    any state --fault--> FAULTED
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar, final

import structlog

from optionswarm.bus import MessageBus
from optionswarm.engine.clock import Clock

__all__ = [
    "Component",
    "ComponentError",
    "ComponentState",
    "ComponentTrigger",
    "IllegalTransitionError",
    "apply_transition",
]


class ComponentState(enum.StrEnum):
    """Where a component is in its lifecycle."""

    INITIALIZED = "initialized"  # built, or reset: ready to start
    RUNNING = "running"  # subscribed and handling messages
    STOPPED = "stopped"  # handlers removed; state kept for inspection
    FAULTED = "faulted"  # a lifecycle hook raised; only reset leaves this


class ComponentTrigger(enum.StrEnum):
    """What moves a component between states."""

    START = "start"
    STOP = "stop"
    RESET = "reset"
    FAULT = "fault"


class IllegalTransitionError(RuntimeError):
    """A trigger that the transition table does not allow from the current state."""


class ComponentError(RuntimeError):
    """A lifecycle hook raised; the component is now FAULTED (original error is the cause)."""


_S = ComponentState
_T = ComponentTrigger
_TRANSITIONS: dict[tuple[ComponentState, ComponentTrigger], ComponentState] = {
    (_S.INITIALIZED, _T.START): _S.RUNNING,
    (_S.INITIALIZED, _T.RESET): _S.INITIALIZED,  # reset of a fresh component is harmless
    (_S.RUNNING, _T.STOP): _S.STOPPED,
    (_S.STOPPED, _T.START): _S.RUNNING,  # a stopped component may resume with its state
    (_S.STOPPED, _T.RESET): _S.INITIALIZED,
    (_S.FAULTED, _T.RESET): _S.INITIALIZED,
    (_S.INITIALIZED, _T.FAULT): _S.FAULTED,
    (_S.RUNNING, _T.FAULT): _S.FAULTED,
    (_S.STOPPED, _T.FAULT): _S.FAULTED,
    (_S.FAULTED, _T.FAULT): _S.FAULTED,
}


def apply_transition(state: ComponentState, trigger: ComponentTrigger) -> ComponentState:
    """The next state, or ``IllegalTransitionError`` for a pair the table does not hold."""
    try:
        return _TRANSITIONS[(state, trigger)]
    except KeyError:
        message = f"cannot {trigger.value} a component that is {state.value}"
        raise IllegalTransitionError(message) from None


class Component:
    """Base of every engine component: a name, the bus, the clock and a lifecycle."""

    _FINAL_METHODS: ClassVar[frozenset[str]] = frozenset({"start", "stop", "reset", "state"})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        overridden = Component._FINAL_METHODS & set(vars(cls))
        if overridden:
            raise TypeError(
                f"{cls.__name__} overrides final lifecycle method(s) {sorted(overridden)}; "
                "implement on_start/on_stop/on_reset instead"
            )

    def __init__(self, name: str, bus: MessageBus, clock: Clock) -> None:
        self.name = name
        self.bus = bus
        self.clock = clock
        self.log = structlog.get_logger("optionswarm.component").bind(component=name)
        self._state = ComponentState.INITIALIZED

    @property
    def state(self) -> ComponentState:
        """The current lifecycle state."""
        return self._state

    @final
    def start(self) -> None:
        """Start: subscribe and begin handling (runs ``on_start``)."""
        self._run(ComponentTrigger.START, self.on_start)

    @final
    def stop(self) -> None:
        """Stop: unsubscribe (runs ``on_stop``); state is kept."""
        self._run(ComponentTrigger.STOP, self.on_stop)

    @final
    def reset(self) -> None:
        """Reset to a fresh state (runs ``on_reset``); only from INITIALIZED, STOPPED or FAULTED."""
        self._run(ComponentTrigger.RESET, self.on_reset)

    def _run(self, trigger: ComponentTrigger, hook: Any) -> None:
        target = apply_transition(self._state, trigger)
        try:
            hook()
        except Exception as exc:
            self._state = apply_transition(self._state, ComponentTrigger.FAULT)
            self.log.error("lifecycle_hook_failed", trigger=trigger.value, error=repr(exc))
            raise ComponentError(f"{self.name}: {trigger.value} failed: {exc}") from exc
        self._state = target
        self.log.debug("lifecycle", trigger=trigger.value, state=target.value)

    def on_start(self) -> None:
        """Subscribe to topics, set timers. Default: nothing."""

    def on_stop(self) -> None:
        """Unsubscribe, cancel timers. Default: nothing."""

    def on_reset(self) -> None:
        """Clear internal state. Default: nothing."""
