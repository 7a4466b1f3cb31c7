"""Component lifecycle: a table-driven state machine behind final start/stop/reset."""

from __future__ import annotations

import pytest

from optionswarm.bus import InProcessBus
from optionswarm.engine import (
    Component,
    ComponentError,
    ComponentState,
    ComponentTrigger,
    IllegalTransitionError,
    SimulatedClock,
    apply_transition,
)


class Counting(Component):
    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__("counting", InProcessBus(), SimulatedClock())
        self.calls: list[str] = []
        self.fail_on = fail_on

    def _hook(self, name: str) -> None:
        self.calls.append(name)
        if self.fail_on == name:
            raise RuntimeError(f"{name} broke")

    def on_start(self) -> None:
        self._hook("start")

    def on_stop(self) -> None:
        self._hook("stop")

    def on_reset(self) -> None:
        self._hook("reset")


def test_full_lifecycle_runs_hooks_and_moves_through_states() -> None:
    comp = Counting()
    assert comp.state is ComponentState.INITIALIZED
    comp.start()
    assert comp.state is ComponentState.RUNNING
    comp.stop()
    assert comp.state is ComponentState.STOPPED
    comp.start()
    comp.stop()
    comp.reset()
    assert comp.state is ComponentState.INITIALIZED
    assert comp.calls == ["start", "stop", "start", "stop", "reset"]


def test_starting_a_running_component_is_illegal_and_runs_no_hook() -> None:
    comp = Counting()
    comp.start()
    with pytest.raises(IllegalTransitionError, match="cannot start a component that is running"):
        comp.start()
    with pytest.raises(IllegalTransitionError):
        comp.reset()
    assert comp.calls == ["start"]


def test_failing_hook_faults_the_component_until_reset() -> None:
    comp = Counting(fail_on="start")
    with pytest.raises(ComponentError, match="counting: start failed") as info:
        comp.start()
    assert isinstance(info.value.__cause__, RuntimeError)
    assert comp.state is ComponentState.FAULTED
    with pytest.raises(IllegalTransitionError):
        comp.start()
    comp.fail_on = None
    comp.reset()
    comp.start()
    assert comp.state is ComponentState.RUNNING


def test_subclass_overriding_a_final_lifecycle_method_is_refused() -> None:
    with pytest.raises(TypeError, match=r"overrides final lifecycle method\(s\) \['start'\]"):

        class Bad(Component):
            def start(self) -> None:  # type: ignore[misc]
                pass


def test_base_hooks_do_nothing() -> None:
    comp = Component("plain", InProcessBus(), SimulatedClock())
    comp.start()
    comp.stop()
    comp.reset()
    assert comp.state is ComponentState.INITIALIZED


@pytest.mark.parametrize(
    ("state", "trigger", "expected"),
    [
        (ComponentState.INITIALIZED, ComponentTrigger.START, ComponentState.RUNNING),
        (ComponentState.RUNNING, ComponentTrigger.STOP, ComponentState.STOPPED),
        (ComponentState.STOPPED, ComponentTrigger.RESET, ComponentState.INITIALIZED),
        (ComponentState.RUNNING, ComponentTrigger.FAULT, ComponentState.FAULTED),
        (ComponentState.FAULTED, ComponentTrigger.RESET, ComponentState.INITIALIZED),
    ],
)
def test_transition_table_holds_the_documented_edges(
    state: ComponentState, trigger: ComponentTrigger, expected: ComponentState
) -> None:
    assert apply_transition(state, trigger) is expected


@pytest.mark.parametrize(
    ("state", "trigger"),
    [
        (ComponentState.INITIALIZED, ComponentTrigger.STOP),
        (ComponentState.FAULTED, ComponentTrigger.START),
        (ComponentState.FAULTED, ComponentTrigger.STOP),
        (ComponentState.RUNNING, ComponentTrigger.RESET),
    ],
)
def test_transitions_outside_the_table_are_illegal(
    state: ComponentState, trigger: ComponentTrigger
) -> None:
    with pytest.raises(IllegalTransitionError):
        apply_transition(state, trigger)
