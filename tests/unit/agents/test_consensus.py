"""Consensus: quorum, veto, disagreement, weighting and the explanation it carries."""

from __future__ import annotations

import msgspec
import pytest

from optionswarm.agents import (
    VETOED,
    Consensus,
    ConsensusConfig,
    TrackRecord,
    ViewBoard,
    size_factor,
)
from optionswarm.model import NS_PER_DAY, Direction, Reason, View, VolView

NOW = 1_700_000_000 * 1_000_000_000


def _view(
    agent: str,
    direction: Direction = Direction.BULLISH,
    *,
    p: float = 0.6,
    vol: VolView = VolView.FLAT,
    conviction: float = 0.6,
    ts: int = NOW,
) -> View:
    return View(
        agent_id=agent,
        underlying="sp500",
        ts_ns=ts,
        direction=direction,
        probability=p,
        vol_view=vol,
        conviction=conviction,
        horizon_days=5,
        rationale=f"{agent} says so",
    )


def _abstain(agent: str) -> View:
    return View.abstain(agent, "sp500", NOW, Reason.INSUFFICIENT_DATA, "no data")


def test_agreeing_views_give_an_actionable_bullish_decision_with_contributions() -> None:
    views = [_view("a"), _view("b", p=0.7), _abstain("c")]
    decision = Consensus().decide("sp500", views, NOW, "normal")
    assert decision.reason_code == Reason.CONSENSUS
    assert decision.is_actionable
    assert decision.direction is Direction.BULLISH
    assert decision.disagreement == pytest.approx(0.0)
    by_agent = {c.agent_id: c for c in decision.contributions}
    assert set(by_agent) == {"a", "b", "c"}
    assert by_agent["c"].contribution == 0.0
    # D = (0.6*0.2 + 0.6*0.4) / (0.6 + 0.6) = 0.3; contributions sum to D
    assert sum(c.contribution for c in decision.contributions) == pytest.approx(0.3)
    assert decision.confidence == pytest.approx(0.3)
    assert "a: bullish/flat p=0.60" in decision.explanation
    assert "c: abstains (insufficient_data)" in decision.explanation
    assert 0.0 < size_factor(decision) <= 1.0


def test_all_abstained_and_no_quorum_are_not_actionable() -> None:
    consensus = Consensus(ConsensusConfig(quorum=2))
    nobody = consensus.decide("sp500", [_abstain("a"), _abstain("b")], NOW, "normal")
    assert nobody.reason_code == Reason.ALL_ABSTAINED
    lonely = consensus.decide("sp500", [_view("a"), _abstain("b")], NOW, "normal")
    assert lonely.reason_code == Reason.NO_QUORUM
    assert lonely.direction is Direction.NEUTRAL
    assert size_factor(lonely) == 0.0


def test_a_veto_agent_blocks_the_decision_and_does_not_vote() -> None:
    flag = View(
        agent_id="calendar",
        underlying="sp500",
        ts_ns=NOW,
        direction=Direction.NEUTRAL,
        probability=0.5,
        vol_view=VolView.FLAT,
        conviction=1.0,
        horizon_days=1,
        rationale="holiday eve",
    )
    decision = Consensus().decide("sp500", [_view("a"), _view("b"), flag], NOW, "normal")
    assert decision.reason_code == VETOED
    assert not decision.is_actionable
    assert "veto: holiday eve" in decision.explanation
    calendar = next(c for c in decision.contributions if c.agent_id == "calendar")
    assert calendar.weight == 0.0


def test_opposing_views_raise_disagreement_and_yield_no_trade() -> None:
    views = [_view("a", p=0.70), _view("b", Direction.BEARISH, p=0.68)]
    decision = Consensus(ConsensusConfig(direction_threshold=0.0)).decide(
        "sp500", views, NOW, "normal"
    )
    assert decision.disagreement > 0.9
    assert decision.reason_code == Reason.HIGH_DISAGREEMENT
    assert size_factor(decision) == 0.0


def test_weak_views_are_below_the_confidence_threshold() -> None:
    views = [_view("a", p=0.505), _view("b", p=0.51)]
    decision = Consensus().decide("sp500", views, NOW, "normal")
    assert decision.reason_code == Reason.BELOW_CONFIDENCE_THRESHOLD


def test_vol_only_views_decide_the_vol_view() -> None:
    views = [
        _view("v1", Direction.NEUTRAL, vol=VolView.FALLING),
        _view("v2", Direction.NEUTRAL, vol=VolView.FALLING),
        _view("v3", Direction.NEUTRAL, vol=VolView.RISING, conviction=0.1),
    ]
    decision = Consensus().decide("sp500", views, NOW, "high")
    assert decision.direction is Direction.NEUTRAL
    assert decision.vol_view is VolView.FALLING
    assert decision.is_actionable
    assert next(c for c in decision.contributions if c.agent_id == "v3").contribution > 0


def test_track_record_weighting_differs_from_equal_weighting() -> None:
    track = TrackRecord()
    close = 100.0
    for day in range(120):
        ts = NOW - (200 - day) * NS_PER_DAY
        track.resolve(ts, close=close, atm_iv=0.2)
        track.record(_view("good", ts=ts), close=close, atm_iv=0.2, regime="normal")
        track.record(
            _view("bad", Direction.BEARISH, ts=ts), close=close, atm_iv=0.2, regime="normal"
        )
        close += 1.0
    track.resolve(NOW, close=close, atm_iv=0.2)
    views = [_view("good"), _view("bad", Direction.BEARISH, p=0.65)]
    loose = ConsensusConfig(max_disagreement=1.0)
    weighted = Consensus(loose, track).decide("sp500", views, NOW, "normal")
    equal = Consensus(msgspec.structs.replace(loose, weighting="equal"), track).decide(
        "sp500", views, NOW, "normal"
    )
    assert weighted.direction is Direction.BULLISH
    assert equal.direction is Direction.BEARISH  # the louder, worse agent wins without weights
    weights = {c.agent_id: c.weight for c in weighted.contributions}
    assert weights["good"] > 1.0 > weights["bad"]
    assert {c.weight for c in equal.contributions} == {1.0}


def test_view_board_keeps_the_latest_live_view_per_agent() -> None:
    board = ViewBoard()
    old = _view("slow", ts=NOW - 10)
    new = _view("slow", Direction.BEARISH, ts=NOW - 5)
    board.publish_all([new, old])  # late delivery of the older view does not roll back
    assert board.live("sp500", NOW) == [new]
    assert board.live("nasdaq", NOW) == []
    assert board.live("sp500", new.expires_at_ns) == []
    assert board.live("sp500", NOW - 6) == []  # not yet made
    board.clear()
    assert board.live("sp500", NOW) == []


def test_view_board_takes_views_from_slow_agent_threads_while_read() -> None:
    import threading

    board = ViewBoard()

    def slow_agent(name: str) -> None:
        for i in range(300):
            board.publish(_view(f"{name}-{i % 50}", ts=NOW - 1000 + i))

    threads = [threading.Thread(target=slow_agent, args=(f"llm{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    reads = 0
    while True:  # read while the writers write (at least once)
        board.live("sp500", NOW)
        reads += 1
        if not any(t.is_alive() for t in threads):
            break
    for thread in threads:
        thread.join()
    live = board.live("sp500", NOW)
    assert len(live) == 200  # 4 agents x 50 names, each at its latest view
    assert all(view.ts_ns >= NOW - 1000 + 250 for view in live)
    assert reads >= 1
