"""ReplayDriver: sessions in order on the node's clock, pacing, pause/resume, holds, failures."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from optionswarm.engine import SimulatedClock
from optionswarm.model import Bar
from optionswarm.service.replay import ReplayDriver, ReplayState

_DAY = 86_400 * 1_000_000_000

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _bars(days: int, per_day: int = 1) -> Iterator[Bar]:
    for day in range(days):
        for i in range(per_day):
            yield Bar(
                symbol=f"s{i}",
                ts_ns=(day + 1) * _DAY,
                open=100.0 + day,
                high=101.0 + day,
                low=99.0 + day,
                close=100.0 + day,
                volume=1,
            )


class _Recorder:
    def __init__(self, clock: SimulatedClock) -> None:
        self.clock = clock
        self.published: list[tuple[int, int, str]] = []  # (clock, event ts, symbol)
        self.closed: list[int] = []

    def publish(self, event: Bar) -> None:
        self.published.append((self.clock.now_ns(), event.ts_ns, event.symbol))

    def close(self, ts_ns: int) -> None:
        self.closed.append(ts_ns)


def _driver(
    days: int, speed: float = 1000.0, per_day: int = 1, **kwargs: object
) -> tuple[ReplayDriver, _Recorder]:
    clock = SimulatedClock(start_ns=0)
    rec = _Recorder(clock)
    driver = ReplayDriver(
        _bars(days, per_day),
        clock,
        publish=rec.publish,  # type: ignore[arg-type]
        close_session=rec.close,
        underlying="sp500",
        sessions_total=days,
        speed=speed,
        **kwargs,  # type: ignore[arg-type]
    )
    return driver, rec


async def test_every_session_is_published_on_its_own_time_then_closed() -> None:
    driver, rec = _driver(5, per_day=2)
    driver.start()
    await asyncio.wait_for(driver.wait(), 5)
    assert driver.state is ReplayState.FINISHED
    assert driver.sessions_done == 5
    assert rec.closed == [(d + 1) * _DAY for d in range(5)]
    # the clock stood at the event's time when it was published; both events of a day together
    assert all(clock_ns == ts for clock_ns, ts, _ in rec.published)
    assert [s for _, _, s in rec.published] == ["s0", "s1"] * 5


async def test_pace_is_sessions_per_second() -> None:
    driver, _ = _driver(4, speed=20.0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    driver.start()
    await asyncio.wait_for(driver.wait(), 5)
    assert loop.time() - began >= 4 / 20.0 * 0.9


async def test_pause_holds_every_session_until_resume() -> None:
    driver, rec = _driver(3)
    driver.start(paused=True)
    await asyncio.sleep(0.1)
    assert rec.closed == []
    assert driver.status().state is ReplayState.PAUSED
    driver.resume()
    await asyncio.wait_for(driver.wait(), 5)
    assert len(rec.closed) == 3


async def test_an_open_decision_holds_the_replay_until_it_is_decided() -> None:
    open_requests = {"r1"}
    driver, rec = _driver(3, hold=lambda: bool(open_requests), hold_limit_s=10.0)
    driver.start()
    await asyncio.sleep(0.15)
    assert rec.closed == []
    assert driver.state is ReplayState.HOLDING
    open_requests.clear()
    await asyncio.wait_for(driver.wait(), 5)
    assert len(rec.closed) == 3


async def test_a_hold_ends_after_its_limit_so_the_request_expires_on_the_clock() -> None:
    driver, rec = _driver(2, hold=lambda: True, hold_limit_s=0.1)
    driver.start()
    await asyncio.wait_for(driver.wait(), 5)
    assert len(rec.closed) == 2


async def test_stop_ends_between_sessions_and_is_idempotent() -> None:
    driver, rec = _driver(1000, speed=50.0)
    driver.start()
    await asyncio.sleep(0.1)
    await driver.stop()
    await driver.stop()
    done = len(rec.closed)
    assert 0 < done < 1000
    assert driver.state is ReplayState.STOPPED
    await asyncio.sleep(0.05)
    assert len(rec.closed) == done


async def test_a_failing_session_stops_the_replay_and_says_why() -> None:
    clock = SimulatedClock(start_ns=0)

    def explode(event: Bar) -> None:
        raise RuntimeError("component broke")

    driver = ReplayDriver(
        _bars(3),
        clock,
        publish=explode,  # type: ignore[arg-type]
        close_session=lambda ts: None,
        underlying="sp500",
        sessions_total=3,
        speed=1000.0,
    )
    driver.start()
    await asyncio.wait_for(driver.wait(), 5)
    assert driver.state is ReplayState.FAILED
    assert "component broke" in driver.status().error


async def test_events_that_go_back_in_time_fail_the_replay() -> None:
    clock = SimulatedClock(start_ns=0)
    events = iter(
        [
            Bar(symbol="a", ts_ns=2 * _DAY, open=1, high=1, low=1, close=1, volume=0),
            Bar(symbol="a", ts_ns=_DAY, open=1, high=1, low=1, close=1, volume=0),
        ]
    )
    driver = ReplayDriver(
        events,
        clock,
        publish=lambda e: None,
        close_session=lambda ts: None,
        underlying="sp500",
        sessions_total=2,
        speed=1000.0,
    )
    driver.start()
    await asyncio.wait_for(driver.wait(), 5)
    assert driver.state is ReplayState.FAILED
    assert "back in time" in driver.error


def test_speed_must_be_positive() -> None:
    with pytest.raises(ValueError, match="speed"):
        _driver(1, speed=0.0)
    driver, _ = _driver(1)
    with pytest.raises(ValueError, match="speed"):
        driver.set_speed(-1.0)
    driver.set_speed(2.5)
    assert driver.status().speed == 2.5
