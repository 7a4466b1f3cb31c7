"""ScheduledAgent: the SlowAgent protocol, synchronous ticks for backtests, a live thread."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pytest

from optionswarm.agents import SlowAgent, ViewBoard
from optionswarm.agents.slow import (
    AnalystContext,
    AnalystPanel,
    ContextBuilder,
    FeatureContextSource,
    HandoffSink,
    ScheduledAgent,
)
from optionswarm.engine import SimulatedClock
from optionswarm.llm import LLMClient, LLMConfig
from optionswarm.llm.testkit import ScriptedEngine
from optionswarm.model import View

from .conftest import NOW, make_features

GOOD = '{"direction": "bullish", "volatility": "flat", "conviction": "low", "reason": "up"}'


class _Fixed:
    def __init__(self, contexts: Sequence[AnalystContext]) -> None:
        self._contexts = list(contexts)

    def contexts(self) -> list[AnalystContext]:
        return self._contexts


def _panel_agent(source: _Fixed | FeatureContextSource) -> tuple[ScheduledAgent, AnalystPanel]:
    panel = AnalystPanel(LLMClient(LLMConfig(), engine=ScriptedEngine(lambda r: GOOD)))
    return ScheduledAgent("llm_panel", panel.analyse, source, interval_s=0.01), panel


def test_scheduled_agent_is_a_slow_agent_and_run_once_publishes_to_the_board() -> None:
    agent, panel = _panel_agent(_Fixed([AnalystContext(underlying="sp500", ts_ns=NOW)]))
    assert isinstance(agent, SlowAgent)
    board = ViewBoard()
    published = agent.run_once(board)
    assert [v.agent_id for v in published] == list(panel.agent_ids)
    live = board.live("sp500", NOW)
    assert sorted(v.agent_id for v in live) == sorted(panel.agent_ids)
    assert board.live("sp500", NOW + published[0].ttl_ns) == []  # views expire


def test_an_analysis_that_raises_publishes_nothing_and_the_agent_goes_on() -> None:
    calls = []

    def flaky(context: AnalystContext) -> list[View]:
        calls.append(context.ts_ns)
        raise RuntimeError("boom")

    agent = ScheduledAgent("flaky", flaky, _Fixed([AnalystContext(underlying="x", ts_ns=1)]), 1.0)
    board = ViewBoard()
    assert agent.run_once(board) == []
    assert agent.run_once(board) == []
    assert calls == [1, 1]
    assert agent.ticks == 2


def test_the_thread_publishes_on_its_cadence_until_stopped() -> None:
    ticked = threading.Event()

    class Sink:
        def __init__(self) -> None:
            self.views: list[View] = []

        def publish(self, view: View) -> None:
            self.views.append(view)
            ticked.set()

    agent, _ = _panel_agent(_Fixed([AnalystContext(underlying="sp500", ts_ns=NOW)]))
    sink = Sink()
    agent.start(sink)
    agent.start(sink)  # a second start while running is a no-op
    assert ticked.wait(30)
    assert agent.running
    agent.stop()
    assert not agent.running
    count = len(sink.views)
    assert count >= 4
    assert len(sink.views) == count  # nothing after stop


def test_feature_source_builds_contexts_at_the_clock_and_skips_future_snapshots() -> None:
    clock = SimulatedClock(NOW)
    snapshots = [make_features(NOW), make_features(NOW + 10)]
    source = FeatureContextSource(ContextBuilder(), lambda: snapshots, clock)
    (context,) = source.contexts()
    assert context.ts_ns == NOW
    assert context.features is snapshots[0]


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval"):
        ScheduledAgent("x", lambda c: [], _Fixed([]), 0.0)


def test_handoff_sink_moves_views_from_the_slow_thread_to_the_board_on_the_reader_thread() -> None:
    agent, panel = _panel_agent(_Fixed([AnalystContext(underlying="sp500", ts_ns=NOW)]))
    mailbox = HandoffSink()
    worker = threading.Thread(target=agent.run_once, args=(mailbox,))
    worker.start()
    worker.join()
    board = ViewBoard()
    assert board.live("sp500", NOW) == []  # nothing reaches the board until drained
    assert mailbox.drain_into(board) == len(panel.agent_ids)
    assert len(board.live("sp500", NOW)) == len(panel.agent_ids)
    assert mailbox.drain_into(board) == 0
