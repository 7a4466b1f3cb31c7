"""Circuit breakers trip on their events (simulated time), say why, latch, and reset only by
a permitted role."""

from __future__ import annotations

import pytest

from optionswarm.model.testkit import make_quote
from optionswarm.risk import (
    ActionRefusedError,
    BreakersConfig,
    BrokerError,
    BrokerErrorBreaker,
    BrokerErrorConfig,
    ClosedTrade,
    ConsecutiveLossBreaker,
    ConsecutiveLossConfig,
    DailyLossBreaker,
    DailyLossConfig,
    DrawdownBreaker,
    DrawdownConfig,
    InconsistencyBreaker,
    InconsistencyConfig,
    LatencyBreaker,
    LatencyConfig,
    OrderLatency,
    PnlUpdate,
    PositionCheck,
    RiskCode,
    StaleDataBreaker,
    StaleDataConfig,
    TradingState,
    VolatilityShockBreaker,
    VolatilityShockConfig,
    build_breakers,
)

SEC = 1_000_000_000


def pnl(ts: int, equity: float, day: float = 0.0) -> PnlUpdate:
    return PnlUpdate(ts_ns=ts, equity=equity, day_pnl=day)


def test_daily_loss_trips_at_the_limit_and_latches() -> None:
    breaker = DailyLossBreaker(DailyLossConfig(max_loss=1_000.0))
    assert breaker.observe(pnl(1, 99_500.0, -999.0), 1) is None
    trip = breaker.observe(pnl(2, 99_000.0, -1_000.0), 2)
    assert trip is not None
    assert (trip.code, trip.forces, trip.ts_ns) == (
        RiskCode.DAILY_LOSS_LIMIT,
        TradingState.HALTED,
        2,
    )
    assert "-1,000" in trip.message
    assert breaker.observe(pnl(3, 98_000.0, -2_000.0), 3) is None  # latched: no second trip
    assert breaker.tripped == trip


def test_drawdown_of_five_percent_from_the_peak() -> None:
    breaker = DrawdownBreaker(DrawdownConfig())
    assert breaker.observe(pnl(1, 100_000.0), 1) is None
    assert breaker.observe(pnl(2, 110_000.0), 2) is None  # new peak
    assert breaker.observe(pnl(3, 104_600.0), 3) is None  # 4.9 % below 110,000
    trip = breaker.observe(pnl(4, 104_500.0), 4)  # 5.0 % below
    assert trip is not None
    assert trip.code is RiskCode.DRAWDOWN_LIMIT
    breaker.reset("alice", "admin", 5)
    assert breaker.peak is None
    assert breaker.observe(pnl(6, 104_000.0), 6) is None  # a fresh peak after reset


def test_consecutive_losses_reset_by_a_win() -> None:
    breaker = ConsecutiveLossBreaker(ConsecutiveLossConfig(max_losses=3))
    for ts, result in enumerate([-1.0, -1.0, 5.0, -1.0, -1.0]):
        assert breaker.observe(ClosedTrade(ts_ns=ts, symbol="X", realized_pnl=result), ts) is None
    trip = breaker.observe(ClosedTrade(ts_ns=9, symbol="X", realized_pnl=-0.5), 9)
    assert trip is not None
    assert trip.forces is TradingState.REDUCING


def test_stale_data_trips_on_time_without_quotes() -> None:
    breaker = StaleDataBreaker(StaleDataConfig(max_age_ns=30 * SEC, symbols=frozenset({"SPY"})))
    breaker.observe(make_quote("SPY", ts_ns=10 * SEC), 10 * SEC)
    assert breaker.on_time(40 * SEC) is None
    trip = breaker.on_time(41 * SEC)
    assert trip is not None
    assert trip.code is RiskCode.STALE_MARKET_DATA
    assert "SPY" in trip.message


def test_stale_data_watching_everything_waits_for_a_first_quote() -> None:
    breaker = StaleDataBreaker(StaleDataConfig(max_age_ns=SEC))
    assert breaker.on_time(100 * SEC) is None
    breaker.observe(make_quote("QQQ", ts_ns=100 * SEC), 100 * SEC)
    assert breaker.on_time(102 * SEC) is not None


def test_broker_errors_within_the_window() -> None:
    breaker = BrokerErrorBreaker(BrokerErrorConfig(max_errors=3, window_ns=10 * SEC))
    assert breaker.observe(BrokerError(ts_ns=0, code="rejected"), 0) is None
    assert breaker.observe(BrokerError(ts_ns=5 * SEC, code="rejected"), 5 * SEC) is None
    assert breaker.observe(BrokerError(ts_ns=11 * SEC, code="timeout"), 11 * SEC) is None
    trip = breaker.observe(BrokerError(ts_ns=12 * SEC, code="timeout"), 12 * SEC)
    assert trip is not None
    assert "timeout" in trip.message


def test_latency_needs_consecutive_breaches() -> None:
    breaker = LatencyBreaker(LatencyConfig(max_latency_ns=SEC, breaches=2))

    def latency(ms: int, ts: int) -> OrderLatency:
        return OrderLatency(
            ts_ns=ts, client_order_id="o", submitted_ns=ts - ms * 1_000_000, filled_ns=ts
        )

    assert breaker.observe(latency(1_500, 10 * SEC), 10 * SEC) is None
    assert breaker.observe(latency(100, 11 * SEC), 11 * SEC) is None
    assert breaker.observe(latency(1_500, 12 * SEC), 12 * SEC) is None
    trip = breaker.observe(latency(2_000, 13 * SEC), 13 * SEC)
    assert trip is not None
    assert trip.code is RiskCode.ORDER_LATENCY


def test_volatility_shock_on_the_underlying_and_on_the_vix() -> None:
    breaker = VolatilityShockBreaker(VolatilityShockConfig(max_move=0.05, max_vix_rise=0.25))
    assert breaker.observe(make_quote("SPY", ts_ns=0, bid=100.0, ask=100.0), 0) is None
    assert breaker.observe(make_quote("SPY", ts_ns=SEC, bid=96.0, ask=96.0), SEC) is None
    trip = breaker.observe(make_quote("SPY", ts_ns=2 * SEC, bid=94.9, ask=94.9), 2 * SEC)
    assert trip is not None
    assert "-5.1%" in trip.message
    vix = VolatilityShockBreaker(VolatilityShockConfig())
    assert vix.observe(make_quote("VIX", ts_ns=0, bid=16.0, ask=16.0), 0) is None
    assert vix.observe(make_quote("VIX", ts_ns=SEC, bid=12.0, ask=12.0), SEC) is None  # falls: ok
    assert vix.observe(make_quote("VIX", ts_ns=2 * SEC, bid=20.5, ask=20.5), 2 * SEC) is not None


def test_volatility_shock_forgets_prices_outside_the_window() -> None:
    breaker = VolatilityShockBreaker(VolatilityShockConfig(max_move=0.05, window_ns=10 * SEC))
    breaker.observe(make_quote("SPY", ts_ns=0, bid=100.0, ask=100.0), 0)
    assert breaker.observe(make_quote("SPY", ts_ns=20 * SEC, bid=90.0, ask=90.0), 20 * SEC) is None


def test_position_mismatch_halts() -> None:
    breaker = InconsistencyBreaker(InconsistencyConfig())
    assert breaker.observe(PositionCheck(ts_ns=1, symbol="X", expected=2, actual=2), 1) is None
    trip = breaker.observe(PositionCheck(ts_ns=2, symbol="X", expected=2, actual=1), 2)
    assert trip is not None
    assert trip.forces is TradingState.HALTED


def test_reset_refuses_a_trader_and_an_untripped_breaker() -> None:
    breaker = DailyLossBreaker(DailyLossConfig(max_loss=1.0))
    with pytest.raises(ActionRefusedError) as untripped:
        breaker.reset("alice", "admin", 1)
    assert untripped.value.code is RiskCode.NOT_TRIPPED
    breaker.observe(pnl(1, 0.0, -5.0), 1)
    with pytest.raises(ActionRefusedError) as refused:
        breaker.reset("bob", "trader", 2)
    assert refused.value.code is RiskCode.ROLE_NOT_PERMITTED
    assert breaker.tripped is not None
    event = breaker.reset("alice", "admin", 3)
    assert (event.breaker, event.actor, event.role, event.ts_ns) == (
        "daily_loss",
        "alice",
        "admin",
        3,
    )
    assert breaker.tripped is None


def test_build_breakers_skips_disabled_ones() -> None:
    built = build_breakers(BreakersConfig(latency=None, stale_data=None))
    assert "latency" not in built
    assert "stale_data" not in built
    assert set(built) == {
        "daily_loss",
        "drawdown",
        "consecutive_losses",
        "broker_errors",
        "storage_errors",
        "volatility_shock",
        "inconsistency",
    }


@pytest.mark.parametrize(
    ("breaker", "events"),
    [
        (
            StaleDataBreaker(StaleDataConfig(max_age_ns=SEC)),
            [make_quote("SPY", ts_ns=0)],
        ),
        (
            BrokerErrorBreaker(BrokerErrorConfig(max_errors=1)),
            [BrokerError(ts_ns=0, code="x")],
        ),
        (
            LatencyBreaker(LatencyConfig(max_latency_ns=1, breaches=1)),
            [OrderLatency(ts_ns=5, client_order_id="o", submitted_ns=0, filled_ns=5)],
        ),
        (
            VolatilityShockBreaker(VolatilityShockConfig(max_move=0.01)),
            [
                make_quote("SPY", ts_ns=0, bid=100.0, ask=100.0),
                make_quote("SPY", ts_ns=1, bid=90.0, ask=90.0),
            ],
        ),
        (
            ConsecutiveLossBreaker(ConsecutiveLossConfig(max_losses=1)),
            [ClosedTrade(ts_ns=0, symbol="X", realized_pnl=-1.0)],
        ),
    ],
)
def test_reset_forgets_the_history_that_tripped_the_breaker(
    breaker: object, events: list[object]
) -> None:
    from optionswarm.risk import Breaker

    assert isinstance(breaker, Breaker)
    for event in events:
        breaker.observe(event, 0)
    breaker.on_time(10 * SEC)
    assert breaker.tripped is not None
    assert breaker.on_time(20 * SEC) is None  # latched: no second trip
    breaker.reset("alice", "admin", 30 * SEC)
    assert breaker.tripped is None
    # after a reset the breaker starts from a clean history: one calm event does not trip it
    assert breaker.on_time(30 * SEC) is None


def test_a_plain_breaker_never_trips() -> None:
    from optionswarm.risk import Breaker

    breaker = Breaker(InconsistencyConfig())
    assert breaker.observe(object(), 0) is None
    assert breaker.on_time(0) is None
