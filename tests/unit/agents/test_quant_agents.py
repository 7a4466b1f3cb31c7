"""Fast agents on real S&P 500 data: each follows its stated rule, abstains without inputs."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.agents import (
    NO_EVENT,
    CalendarAgent,
    CalendarConfig,
    MarketState,
    MeanReversionAgent,
    SkewTermAgent,
    Swarm,
    TrendAgent,
    VolRegimeAgent,
    calendar_flags,
    default_fast_agents,
)
from optionswarm.agents.testkit import real_sessions
from optionswarm.data.calendar import session_close_ns
from optionswarm.features import FeatureEngine, Features
from optionswarm.model import Direction, Reason, View, VolView


def _states_over(start: dt.date, end: dt.date, chains_from: dt.date | None) -> list[MarketState]:
    engine = FeatureEngine("sp500")
    states = []
    for bar, chain in real_sessions(start, end, chains_from):
        engine.on_bar(bar)
        if chain is not None:
            engine.on_chain(chain)
        states.append(MarketState(underlying="sp500", ts_ns=bar.ts_ns, features=engine.snapshot()))
    return states


@pytest.fixture(scope="module")
def crisis() -> list[MarketState]:
    return _states_over(dt.date(2008, 1, 1), dt.date(2009, 12, 31), None)


@pytest.fixture(scope="module")
def with_chains() -> list[MarketState]:
    return _states_over(dt.date(2015, 6, 1), dt.date(2016, 5, 31), dt.date(2015, 12, 1))


def _at(states: list[MarketState], day: dt.date) -> MarketState:
    return next(s for s in states if s.ts_ns == session_close_ns(day))


def test_trend_is_bearish_in_the_2008_crash_and_bullish_in_the_2009_recovery(
    crisis: list[MarketState],
) -> None:
    agent = TrendAgent()
    assert agent.on_update(crisis[0]).abstain_reason == Reason.INSUFFICIENT_DATA
    crash = agent.on_update(_at(crisis, dt.date(2008, 11, 20)))
    assert crash.direction is Direction.BEARISH
    assert 0.5 < crash.probability <= 0.62
    recovery = agent.on_update(_at(crisis, dt.date(2009, 8, 3)))
    assert recovery.direction is Direction.BULLISH
    for state in crisis[61:]:
        view = agent.on_update(state)
        t_stat_sign = 1 if state.features.returns[60] > 0 else -1
        assert view.is_abstention or view.direction.sign == t_stat_sign


def test_mean_reversion_fades_extreme_weekly_moves(crisis: list[MarketState]) -> None:
    agent = MeanReversionAgent()
    cfg = agent.config
    seen = {Direction.BULLISH: 0, Direction.BEARISH: 0}
    for state in crisis[25:]:
        view = agent.on_update(state)
        f = state.features
        z = f.returns[cfg.lookback] / (f.realised_vol[cfg.vol_window] * (cfg.lookback / 252) ** 0.5)
        if abs(z) < cfg.entry_z:
            assert view.abstain_reason == Reason.LOW_CONFIDENCE
        else:
            assert view.direction.sign == (-1 if z > 0 else 1)
            seen[view.direction] += 1
    assert min(seen.values()) > 0  # both fades happen over two real years


def test_vol_regime_follows_its_rule_on_real_chains(with_chains: list[MarketState]) -> None:
    agent = VolRegimeAgent()
    cfg = agent.config
    called = 0
    for state in with_chains:
        view = agent.on_update(state)
        f = state.features
        if view.is_abstention:
            continue
        called += 1
        assert view.direction is Direction.NEUTRAL
        if view.vol_view is VolView.FALLING:
            assert f.vrp >= cfg.rich_vrp
            assert f.iv_rank >= cfg.rich_rank
        else:
            assert f.vrp <= cfg.cheap_vrp
            assert f.iv_rank <= cfg.cheap_rank
    assert called > 10
    assert agent.on_update(with_chains[0]).abstain_reason == Reason.INSUFFICIENT_DATA


def test_skew_term_follows_its_rule_on_real_chains(with_chains: list[MarketState]) -> None:
    agent = SkewTermAgent()
    cfg = agent.config
    called = 0
    for state in with_chains:
        view = agent.on_update(state)
        if view.is_abstention:
            continue
        called += 1
        f = state.features
        if view.vol_view is VolView.FALLING:
            assert f.term_slope <= cfg.backwardation
        elif view.direction is Direction.BULLISH:
            assert f.skew_percentile >= cfg.rich_skew_percentile
        else:
            assert view.vol_view is VolView.RISING
    assert called > 5
    assert agent.on_update(with_chains[0]).abstain_reason == Reason.INSUFFICIENT_DATA


@pytest.mark.parametrize(
    ("day", "flagged"),
    [
        (dt.date(2016, 11, 23), "holiday eve"),  # the day before Thanksgiving
        (dt.date(2016, 3, 24), "holiday eve"),  # the day before Good Friday
        (dt.date(2016, 3, 18), "monthly expiry"),  # third Friday
        (dt.date(2016, 3, 16), "monthly expiry"),  # two days before
        (dt.date(2016, 3, 15), None),
        (dt.date(2016, 3, 11), None),  # an ordinary weekend follows
    ],
)
def test_calendar_flags_from_the_exchange_calendar(day: dt.date, flagged: str | None) -> None:
    flags = calendar_flags(day, CalendarConfig())
    if flagged is None:
        assert flags == ()
    else:
        assert any(flag.startswith(flagged) for flag in flags)


def test_calendar_agent_flags_with_full_conviction_and_abstains_otherwise(
    with_chains: list[MarketState],
) -> None:
    agent = CalendarAgent()
    flagged = agent.on_update(_at(with_chains, dt.date(2016, 3, 24)))
    assert flagged.conviction == 1.0
    assert "holiday eve" in flagged.rationale
    quiet = agent.on_update(_at(with_chains, dt.date(2016, 3, 15)))
    assert quiet.abstain_reason == NO_EVENT


class _Broken:
    agent_id = "broken"

    def on_update(self, state: MarketState) -> View:
        raise RuntimeError("model exploded")


def test_swarm_turns_a_failing_agent_into_an_abstention_and_reads_slow_views(
    with_chains: list[MarketState],
) -> None:
    swarm = Swarm("sp500", agents=[*default_fast_agents(), _Broken()])
    for bar, chain in real_sessions(
        dt.date(2015, 6, 1), dt.date(2016, 5, 31), dt.date(2015, 12, 1)
    ):
        swarm.on_bar(bar)
        if chain is not None:
            last_chain = chain
            swarm.on_chain(chain)
    slow = View(
        agent_id="llm_analyst",
        underlying="sp500",
        ts_ns=last_chain.ts_ns,
        direction=Direction.BEARISH,
        probability=0.6,
        vol_view=VolView.RISING,
        conviction=0.5,
        horizon_days=5,
        rationale="slow view",
    )
    swarm.board.publish(slow)
    out = swarm.update(last_chain.ts_ns, last_chain)
    agents = {c.agent_id: c for c in out.decision.contributions}
    assert agents["broken"].view.abstain_reason == Reason.AGENT_ERROR
    assert agents["llm_analyst"].view == slow
    assert swarm.agent_errors > 0
    report = swarm.report()
    assert {"agents", "consensus_forecasts", "track_vs_equal", "decision_reasons"} <= set(report)
    assert "Brier" in report["track_vs_equal"] or "not enough" in report["track_vs_equal"]
    assert isinstance(out.features, Features)
