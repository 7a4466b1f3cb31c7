"""Track record: outcomes enter the score only once known; weights shrink toward equal."""

from __future__ import annotations

import math

import pytest

from optionswarm.agents import TrackRecord, TrackRecordConfig
from optionswarm.model import NS_PER_DAY, Direction, View, VolView

T0 = 1_700_000_000 * 1_000_000_000


def _view(agent: str, ts: int, direction: Direction, p: float, horizon: int = 5) -> View:
    return View(
        agent_id=agent,
        underlying="sp500",
        ts_ns=ts,
        direction=direction,
        probability=p,
        vol_view=VolView.FLAT,
        conviction=0.5,
        horizon_days=horizon,
        rationale="test",
    )


def test_a_view_enters_the_score_only_once_its_horizon_has_passed() -> None:
    track = TrackRecord()
    assert track.record(
        _view("a", T0, Direction.BULLISH, 0.7, 5), close=100, atm_iv=0.2, regime="normal"
    )
    for day in range(5):
        assert track.resolve(T0 + day * NS_PER_DAY, close=200.0, atm_iv=0.2) == 0
        assert track.weight("a", "normal") == 1.0
        assert track.scores() == []
    assert track.resolve(T0 + 5 * NS_PER_DAY - 1, close=200.0, atm_iv=0.2) == 0
    assert track.resolve(T0 + 5 * NS_PER_DAY, close=200.0, atm_iv=0.2) == 1
    (outcome,) = track.resolved
    assert outcome.resolved_ns - outcome.made_ns == 5 * NS_PER_DAY
    assert outcome.brier == pytest.approx((0.7 - 1.0) ** 2)
    assert track.pending == 0


def test_resolving_backwards_in_time_is_refused() -> None:
    track = TrackRecord()
    track.resolve(T0, close=1.0, atm_iv=0.2)
    with pytest.raises(ValueError, match="before"):
        track.resolve(T0 - 1, close=1.0, atm_iv=0.2)


def test_good_forecaster_outweighs_bad_and_new_agents_start_equal() -> None:
    track = TrackRecord(TrackRecordConfig(prior_outcomes=10.0))
    close = 100.0
    for day in range(200):
        ts = T0 + day * NS_PER_DAY
        track.resolve(ts, close=close, atm_iv=0.2)
        track.record(
            _view("good", ts, Direction.BULLISH, 0.7, 1), close=close, atm_iv=0.2, regime="low"
        )
        track.record(
            _view("bad", ts, Direction.BEARISH, 0.7, 1), close=close, atm_iv=0.2, regime="low"
        )
        close += 1.0  # the market rises every day
    assert track.weight("good", "low") > 1.5
    assert track.weight("bad", "low") < 0.5
    assert track.weight("good", "high") == 1.0  # no record in that regime yet
    assert track.weight("newcomer", "low") == 1.0
    scores = {(s.agent_id, s.regime): s for s in track.scores()}
    assert scores["good", "all"].hit_rate == 1.0
    assert scores["bad", "low"].hit_rate == 0.0
    assert scores["good", "low"].brier == pytest.approx(0.09)


def test_shrinkage_pulls_a_short_record_toward_equal_weight() -> None:
    strong = TrackRecord(TrackRecordConfig(prior_outcomes=100.0))
    weak = TrackRecord(TrackRecordConfig(prior_outcomes=0.0))
    for track in (strong, weak):
        track.record(
            _view("a", T0, Direction.BULLISH, 0.6, 1), close=1.0, atm_iv=0.2, regime="normal"
        )
        track.resolve(T0 + NS_PER_DAY, close=2.0, atm_iv=0.2)
    assert 1.0 < strong.weight("a", "normal") < weak.weight("a", "normal")


def test_vol_views_are_scored_on_iv_and_unscoreable_views_are_not_recorded() -> None:
    track = TrackRecord()
    vol_view = View(
        agent_id="v",
        underlying="sp500",
        ts_ns=T0,
        direction=Direction.NEUTRAL,
        probability=0.6,
        vol_view=VolView.FALLING,
        conviction=0.4,
        horizon_days=2,
        rationale="rich",
    )
    assert track.record(vol_view, close=100.0, atm_iv=0.25, regime="high")
    flat = View(
        agent_id="f",
        underlying="sp500",
        ts_ns=T0,
        direction=Direction.NEUTRAL,
        probability=0.5,
        vol_view=VolView.FLAT,
        conviction=0.0,
        horizon_days=2,
        rationale="-",
    )
    assert not track.record(flat, close=100.0, atm_iv=0.25, regime="high")
    abstain = View.abstain("x", "sp500", T0, "insufficient_data", "no data")
    assert not track.record(abstain, close=100.0, atm_iv=0.25, regime="high")
    no_iv = _view("d", T0, Direction.BULLISH, 0.6)
    assert not track.record(vol_view, close=100.0, atm_iv=math.nan, regime="high")
    assert track.record(no_iv, close=100.0, atm_iv=math.nan, regime="high")
    track.resolve(T0 + 2 * NS_PER_DAY, close=100.0, atm_iv=0.20)
    (outcome,) = track.resolved  # the flat close is a tie: skipped
    assert outcome.kind == "vol"
    assert outcome.forecast == pytest.approx(0.4)  # P(IV rises) for a 0.6 "falling" call
    assert outcome.outcome == 0
