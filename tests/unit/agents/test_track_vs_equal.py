"""The report's verdict on track-record vs equal weighting: a paired test on resolved calls."""

from __future__ import annotations

import pytest

from optionswarm.agents import BASELINE_ID, TRACK_ID, Swarm
from optionswarm.model import NS_PER_DAY, Direction, View, VolView

T0 = 1_600_000_000 * 1_000_000_000


def _call(agent: str, ts: int, p: float) -> View:
    return View(
        agent_id=agent,
        underlying="sp500",
        ts_ns=ts,
        direction=Direction.BULLISH,
        probability=p,
        vol_view=VolView.FLAT,
        conviction=0.5,
        horizon_days=1,
        rationale="-",
    )


def _swarm_with(track_p: float, equal_p: float, days: int) -> Swarm:
    swarm = Swarm("sp500")
    close = 100.0
    for day in range(days):
        ts = T0 + day * NS_PER_DAY
        swarm.ledger.resolve(ts, close=close, atm_iv=0.2)
        wobble = 0.01 * (day % 3)  # paired differences that are not all identical
        swarm.ledger.record(
            _call(TRACK_ID, ts, track_p + wobble), close=close, atm_iv=0.2, regime="normal"
        )
        swarm.ledger.record(
            _call(BASELINE_ID, ts, equal_p), close=close, atm_iv=0.2, regime="normal"
        )
        close += 1.0
    return swarm


@pytest.mark.parametrize(
    ("track_p", "equal_p", "verdict"),
    [
        (0.70, 0.55, "adds value"),
        (0.52, 0.70, "loses value"),
        (0.60, 0.61, "makes no measurable difference"),
    ],
)
def test_the_verdict_follows_the_paired_brier_difference(
    track_p: float, equal_p: float, verdict: str
) -> None:
    text = _swarm_with(track_p, equal_p, 80).track_vs_equal()
    assert verdict in text
    assert "paired" in text


def test_too_few_resolved_calls_give_no_verdict() -> None:
    assert "not enough" in _swarm_with(0.7, 0.5, 10).track_vs_equal()


def test_without_the_baseline_decision_the_baseline_is_still_scored_and_counted() -> None:
    import datetime as dt

    from optionswarm.agents import SwarmConfig
    from optionswarm.agents.testkit import real_sessions

    sessions = real_sessions(dt.date(2015, 6, 1), dt.date(2016, 5, 31), dt.date(2015, 12, 1))
    full, lean = Swarm("sp500"), Swarm("sp500", config=SwarmConfig(build_baseline_decision=False))
    for bar, chain in sessions:
        for swarm in (full, lean):
            swarm.on_bar(bar)
        if chain is not None:
            a, b = full.on_chain(chain), lean.on_chain(chain)
            assert b.baseline is None
            assert a.decision == b.decision
    assert full.baseline_reasons == lean.baseline_reasons
    assert full.track_vs_equal() == lean.track_vs_equal()
