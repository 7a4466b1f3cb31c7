"""Replay: real bars and modelled/stored chains merged in time order on either kind of clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from optionswarm.data.canonical import snapshot_to_table
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.replay import (
    ReplayFeed,
    ReplayOrderError,
    bar_events,
    modelled_chain_events,
    stored_chain_events,
)
from optionswarm.data.sources import ArchDataSource
from optionswarm.engine.clock import SimulatedClock
from optionswarm.model import Bar, ChainSnapshot
from optionswarm.storage.chains import ChainStore

START, END = dt.date(2018, 2, 1), dt.date(2018, 2, 9)


def test_bars_and_chains_merge_in_time_order_on_a_simulated_clock(
    builder: ModelledChainBuilder,
) -> None:
    source = ArchDataSource()
    clock = SimulatedClock()
    seen: list[int] = []
    clock.set_timer(
        "tick",
        86_400 * 10**9,
        lambda e: seen.append(e.ts_ns),
        start_ns=int(source.bars("sp500", START, START).ts_ns[0]),
    )
    feed = ReplayFeed(
        [
            bar_events(source.bars("sp500", START, END)),
            bar_events(source.bars("nasdaq", START, END)),
            modelled_chain_events(builder, "sp500", START, END),
        ],
        clock,
    )
    events = list(feed)
    assert len(events) == 3 * 7
    stamps = [e.ts_ns for e in events]
    assert stamps == sorted(stamps)
    kinds = [
        (type(e).__name__, getattr(e, "symbol", getattr(e, "underlying", ""))) for e in events[:3]
    ]
    assert kinds == [("Bar", "sp500"), ("Bar", "nasdaq"), ("ChainSnapshot", "sp500")]
    assert all(isinstance(e, Bar | ChainSnapshot) for e in events)
    assert clock.now_ns() == stamps[-1]
    assert seen  # timers fired while the replay moved the clock
    assert feed.emitted == len(events)


class _FakeWallClock:
    """A wall clock whose time moves only when the feed sleeps (records the sleeps)."""

    def __init__(self) -> None:
        self.now = 1_000
        self.sleeps: list[float] = []

    def now_ns(self) -> int:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += int(seconds * 1e9)


def test_real_time_multiple_waits_scaled_gaps() -> None:
    day = 86_400 * 10**9
    bars = [Bar(symbol="x", ts_ns=t, open=1, high=1, low=1, close=1) for t in (0, day, 3 * day)]
    clock = _FakeWallClock()
    feed = ReplayFeed([bars], clock, speed=86_400.0, sleep=clock.sleep)
    assert feed.run(lambda _: None) == 3
    assert clock.sleeps == pytest.approx([1.0, 2.0])


def test_a_source_going_back_in_time_is_an_error() -> None:
    bars = [Bar(symbol="x", ts_ns=t, open=1, high=1, low=1, close=1) for t in (5, 3)]
    with pytest.raises(ReplayOrderError, match="source 0"):
        list(ReplayFeed([bars], SimulatedClock()))
    with pytest.raises(ValueError, match="speed"):
        ReplayFeed([bars], SimulatedClock(), speed=0)


def test_stored_chains_replay_one_snapshot_per_quote_time(
    tmp_path: Path, builder: ModelledChainBuilder
) -> None:
    store = ChainStore(tmp_path)
    chains = list(builder.iter_chains("sp500", START, dt.date(2018, 2, 6)))
    for chain in chains:
        store.append(snapshot_to_table(chain.slice(chain.strike % 100 == 0)))
    replayed = list(stored_chain_events(store, "sp500", chains[1].ts_ns, chains[-1].ts_ns))
    assert [c.ts_ns for c in replayed] == [c.ts_ns for c in chains[1:]]
    assert replayed[0].modelled
