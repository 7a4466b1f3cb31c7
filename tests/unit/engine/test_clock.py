"""Simulated and wall clocks: time, alarms and repeating timers."""

from __future__ import annotations

import threading

import pytest

from optionswarm.engine import Clock, ClockError, SimulatedClock, TimeEvent, WallClock


def test_simulated_clock_reads_only_what_it_was_told() -> None:
    clock = SimulatedClock(start_ns=100)
    assert clock.now_ns() == 100
    clock.advance_to(250)
    assert clock.now_ns() == 250
    assert isinstance(clock, Clock)


def test_simulated_clock_refuses_to_move_back() -> None:
    clock = SimulatedClock(start_ns=100)
    with pytest.raises(ClockError, match="cannot move back"):
        clock.advance_to(99)


def test_timers_fire_in_time_order_and_the_clock_reads_each_firing_time() -> None:
    clock = SimulatedClock(start_ns=0)
    seen: list[tuple[str, int, int]] = []

    def record(event: TimeEvent) -> None:
        seen.append((event.name, event.ts_ns, clock.now_ns()))

    clock.set_timer("every10", 10, record, stop_ns=30)
    clock.set_alarm("at15", 15, record)
    fired = clock.advance_to(100)
    assert seen == [
        ("every10", 10, 10),
        ("at15", 15, 15),
        ("every10", 20, 20),
        ("every10", 30, 30),
    ]
    assert [e.name for e in fired] == ["every10", "at15", "every10", "every10"]
    assert clock.timer_names() == []
    assert clock.now_ns() == 100


def test_ties_fire_in_the_order_the_timers_were_set() -> None:
    clock = SimulatedClock()
    seen: list[str] = []
    clock.set_alarm("b", 5, lambda e: seen.append(e.name))
    clock.set_alarm("a", 5, lambda e: seen.append(e.name))
    clock.advance_to(5)
    assert seen == ["b", "a"]


def test_cancelled_timer_does_not_fire_and_callback_may_cancel_itself() -> None:
    clock = SimulatedClock()
    seen: list[int] = []
    clock.set_alarm("gone", 5, lambda e: seen.append(-1))
    clock.cancel("gone")
    clock.cancel("never-set")

    def once_then_cancel(event: TimeEvent) -> None:
        seen.append(event.ts_ns)
        clock.cancel("rep")

    clock.set_timer("rep", 10, once_then_cancel)
    assert clock.next_event_ns() == 10
    clock.advance_to(50)
    assert seen == [10]
    assert clock.next_event_ns() is None


def test_bad_timer_requests_are_refused() -> None:
    clock = SimulatedClock(start_ns=100)
    with pytest.raises(ClockError, match="< now"):
        clock.set_alarm("past", 50, lambda e: None)
    with pytest.raises(ClockError, match="interval"):
        clock.set_timer("zero", 0, lambda e: None)
    clock.set_alarm("dup", 200, lambda e: None)
    with pytest.raises(ClockError, match="already exists"):
        clock.set_alarm("dup", 300, lambda e: None)


def test_timer_started_at_a_given_instant_first_fires_one_interval_later() -> None:
    clock = SimulatedClock(start_ns=0)
    seen: list[int] = []
    clock.set_timer("t", 10, lambda e: seen.append(e.ts_ns), start_ns=5)
    clock.advance_to(26)
    assert seen == [15, 25]


def test_wall_clock_reads_system_time_in_utc_nanoseconds() -> None:
    import time

    before = time.time_ns()
    now = WallClock().now_ns()
    assert before <= now <= time.time_ns()


def test_wall_clock_fires_alarms_and_repeating_timers_on_its_thread() -> None:
    clock = WallClock()
    alarm_done = threading.Event()
    ticks: list[int] = []
    three_ticks = threading.Event()

    def on_tick(event: TimeEvent) -> None:
        ticks.append(event.ts_ns)
        if len(ticks) == 3:
            clock.cancel("tick")
            three_ticks.set()

    try:
        clock.set_alarm("soon", clock.now_ns() + 1_000_000, lambda e: alarm_done.set())
        clock.set_timer("tick", 2_000_000, on_tick)
        assert alarm_done.wait(timeout=10)
        assert three_ticks.wait(timeout=10)
        assert ticks == sorted(ticks)
        assert ticks[1] - ticks[0] == 2_000_000
        assert "tick" not in clock.timer_names()
        with pytest.raises(ClockError):
            clock.set_timer("bad", -1, on_tick)
    finally:
        clock.stop()


def test_wall_clock_stop_halts_timers_and_a_new_timer_restarts_the_thread() -> None:
    clock = WallClock()
    fired = threading.Event()
    clock.set_alarm("far", clock.now_ns() + 3_600_000_000_000, lambda e: None)
    clock.stop()
    assert clock.timer_names() == ["far"]
    clock.set_alarm("past-due", clock.now_ns() - 1, lambda e: fired.set())
    try:
        assert fired.wait(timeout=10)
    finally:
        clock.stop()
