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
