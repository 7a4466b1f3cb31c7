"""Engine core: clocks and the component lifecycle shared by backtest, paper and live."""

from optionswarm.engine.clock import (
    Clock,
    ClockError,
    SimulatedClock,
    TimeEvent,
    TimerCallback,
    WallClock,
)
from optionswarm.engine.component import (
    Component,
    ComponentError,
    ComponentState,
    ComponentTrigger,
    IllegalTransitionError,
    apply_transition,
)

__all__ = [
    "Clock",
    "ClockError",
    "Component",
    "ComponentError",
    "ComponentState",
    "ComponentTrigger",
    "IllegalTransitionError",
    "SimulatedClock",
    "TimeEvent",
    "TimerCallback",
    "WallClock",
    "apply_transition",
]
