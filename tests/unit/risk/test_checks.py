"""Each pre-trade check alone: an order that passes it and one that fails with its code."""

from __future__ import annotations

import msgspec
import pytest

from optionswarm.model import NS_PER_DAY, Side
from optionswarm.risk import (
    CASH_ACCOUNT,
    CollarConfig,
    ExpiryRules,
    GreekBounds,
    GreekLimits,
    LiquidityRules,
    LossLimits,
    OrderLimits,
    PositionLimits,
    RiskCode,
    RiskConfig,
    RiskDecision,
    RiskEngine,
    ScopeRules,
    ThrottleConfig,
)
from optionswarm.risk.testkit import build_engine, option_symbol, order_of, standard_chain

CHAIN = standard_chain()
SEC = 1_000_000_000


def sym(strike: float, call: bool, expiry_index: int = 0) -> str:
    return option_symbol(CHAIN, strike, call, expiry_index)


IRON_CONDOR = [
    (sym(90, False), Side.BUY, 1),
    (sym(95, False), Side.SELL, 1),
    (sym(105, True), Side.SELL, 1),
    (sym(110, True), Side.BUY, 1),
]


def package_mid(engine: RiskEngine, legs: list[tuple[str, Side, int]]) -> float:
    return sum(side.sign * ratio * engine.market.options[s].mid for s, side, ratio in legs)


def condor(engine: RiskEngine, **overrides: object) -> object:
    fields: dict[str, object] = {"limit_price": round(package_mid(engine, IRON_CONDOR), 2)}
    return order_of(IRON_CONDOR, **{**fields, **overrides})  # type: ignore[arg-type]


def codes(engine: RiskEngine, order: object) -> set[RiskCode]:
    return set(engine.assess(order).codes)  # type: ignore[arg-type]


def engine_with(**config: object) -> RiskEngine:
    engine, _, _ = build_engine(RiskConfig(**config))  # type: ignore[arg-type]
    return engine


def test_iron_condor_at_the_mid_passes_every_check() -> None:
    engine, _, sink = build_engine()
    verdict = engine.assess(condor(engine))  # type: ignore[arg-type]
    assert verdict.decision is RiskDecision.ACCEPT
    assert verdict.reasons == ()
    assert verdict.structure == "iron_condor"
    assert sink.events[-1] == verdict


def test_unquoted_option_is_denied_for_missing_market_data() -> None:
    engine = engine_with()
    missing = sym(100, True).replace("00100000", "00101000")
    assert codes(engine, order_of([(missing, Side.BUY, 1)], limit_price=1.0)) == {
        RiskCode.NO_MARKET_DATA
    }


def test_leg_on_another_chain_is_an_underlying_mismatch() -> None:
    engine = engine_with()
    qqq = standard_chain("QQQ")
    engine.on_chain(qqq)
    problems: list[object] = []
    symbol = option_symbol(qqq, 100, True)
    assert engine.resolver.resolve_symbol(symbol, 1, "SPY", problems) is None  # type: ignore[arg-type]
    assert [p.code for p in problems] == [RiskCode.UNDERLYING_MISMATCH]  # type: ignore[attr-defined]
    assert engine.resolver.terms("not an option") is None


def test_underlying_and_structure_allow_lists() -> None:
    only_qqq = engine_with(scope=ScopeRules(allowed_underlyings=frozenset({"QQQ"})))
    assert codes(only_qqq, condor(only_qqq)) == {RiskCode.UNDERLYING_NOT_ALLOWED}
    verticals = engine_with(scope=ScopeRules(allowed_structures=frozenset({"vertical"})))
    assert codes(verticals, condor(verticals)) == {RiskCode.STRUCTURE_NOT_ALLOWED}
    condors = engine_with(scope=ScopeRules(allowed_structures=frozenset({"iron_condor"})))
    assert codes(condors, condor(condors)) == set()


def test_market_orders_are_denied_unless_allowed() -> None:
    engine = engine_with()
    assert codes(engine, condor(engine, limit_price=None)) == {RiskCode.MARKET_ORDER_NOT_ALLOWED}
    allowed = engine_with(order=OrderLimits(allow_market_orders=True))
    assert codes(allowed, condor(allowed, limit_price=None)) == set()


def test_order_contracts_premium_and_notional_limits() -> None:
    small = OrderLimits(max_order_contracts=3, max_order_premium=50.0, max_order_notional=30_000.0)
    engine = engine_with(order=small)
    # 4 contracts > 3; |credit| x 100 > $50; 4 x 100 x $100 = $40,000 > $30,000
    assert codes(engine, condor(engine)) == {
        RiskCode.ORDER_CONTRACTS_EXCEEDED,
        RiskCode.ORDER_PREMIUM_EXCEEDED,
        RiskCode.ORDER_NOTIONAL_EXCEEDED,
    }


def test_price_collar_denies_an_aggressive_limit_but_not_a_passive_one() -> None:
    engine = engine_with(
        collar=CollarConfig(abs_tolerance=0.10, fraction_of_gross=0.0, spread_multiple=0.0)
    )
    mid = package_mid(engine, IRON_CONDOR)
    assert codes(engine, condor(engine, limit_price=mid + 0.11)) == {RiskCode.PRICE_OUTSIDE_COLLAR}
    assert codes(engine, condor(engine, limit_price=mid + 0.09, client_order_id="o2")) == set()
    assert codes(engine, condor(engine, limit_price=mid - 3.0, client_order_id="o3")) == set()


def test_price_collar_lets_the_natural_price_through_by_default() -> None:
    engine = engine_with()
    marks = engine.market.options
    natural = sum(marks[s].ask if side is Side.BUY else -marks[s].bid for s, side, _ in IRON_CONDOR)
    # 4 legs x half-spread 0.05 = 0.20 above the mid; band = 1.5 x 0.20 = 0.30
    assert codes(engine, condor(engine, limit_price=natural)) == set()
    assert codes(engine, condor(engine, limit_price=natural + 0.11, client_order_id="o2")) == {
        RiskCode.PRICE_OUTSIDE_COLLAR
    }


def test_stale_leg_quotes_are_denied() -> None:
    engine, clock, _ = build_engine(RiskConfig(collar=CollarConfig(max_quote_age_ns=10 * SEC)))
    clock.advance_to(CHAIN.ts_ns + 11 * SEC)
    assert RiskCode.STALE_QUOTE in codes(engine, condor(engine))


def test_liquidity_spread_and_open_interest() -> None:
    tight = engine_with(liquidity=LiquidityRules(max_spread_abs=0.05, max_spread_fraction=0.0))
    assert codes(tight, condor(tight)) == {RiskCode.SPREAD_TOO_WIDE}
    oi = engine_with(liquidity=LiquidityRules(min_open_interest=10))
    assert codes(oi, condor(oi)) == {RiskCode.OPEN_INTEREST_TOO_LOW}


def test_no_new_positions_under_the_minimum_days_to_expiry() -> None:
    engine = engine_with(expiry=ExpiryRules(min_days_to_expiry=45.0))
    assert codes(engine, condor(engine)) == {RiskCode.DTE_BELOW_MINIMUM}


def test_no_short_options_through_ex_dividend_when_configured() -> None:
    engine = engine_with(expiry=ExpiryRules(block_short_through_ex_dividend=True))
    mark = engine.market.underlyings["SPY"]
    engine.market.set_underlying(
        msgspec.structs.replace(mark, ex_dividend_ns=CHAIN.ts_ns + 10 * NS_PER_DAY)
    )
    verdict = engine.assess(condor(engine))  # type: ignore[arg-type]
    assert verdict.codes == (RiskCode.SHORT_THROUGH_EX_DIVIDEND,) * 2  # the two short legs


def test_duplicate_id_duplicate_content_and_order_rate() -> None:
    engine, clock, _ = build_engine(RiskConfig(throttle=ThrottleConfig(max_orders_per_second=2)))
    assert codes(engine, condor(engine)) == set()
    assert codes(engine, condor(engine)) == {RiskCode.DUPLICATE_ORDER}  # same id
    assert codes(engine, condor(engine, client_order_id="o2")) == {RiskCode.DUPLICATE_ORDER}
    long_call = [(sym(100, True), Side.BUY, 1)]
    price = round(package_mid(engine, long_call), 2)
    assert codes(engine, order_of(long_call, limit_price=price, client_order_id="o3")) == set()
    third = order_of(long_call, limit_price=price - 0.01, client_order_id="o4")
    assert codes(engine, third) == {RiskCode.ORDER_RATE_EXCEEDED}
    clock.advance_to(CHAIN.ts_ns + 2 * SEC)
    again = order_of(long_call, limit_price=price - 0.02, client_order_id="o5")
    assert codes(engine, again) == set()


def test_position_limits_per_contract_and_per_underlying() -> None:
    per_symbol = engine_with(positions=PositionLimits(max_contracts_per_symbol=2))
    assert codes(per_symbol, condor(per_symbol, quantity=3)) == {RiskCode.POSITION_LIMIT_CONTRACT}
    per_underlying = engine_with(positions=PositionLimits(max_contracts_per_underlying=7))
    assert codes(per_underlying, condor(per_underlying, quantity=2)) == {
        RiskCode.POSITION_LIMIT_UNDERLYING
    }


def test_greek_limits_per_underlying_and_in_total() -> None:
    long_calls = [(sym(100, True), Side.BUY, 1)]
    bounds = GreekBounds(delta=1_000.0)
    engine = engine_with(greeks=GreekLimits(per_underlying=bounds, total=bounds))
    order = order_of(long_calls, limit_price=round(package_mid(engine, long_calls), 2))
    verdict = engine.assess(order)
    assert verdict.codes == (RiskCode.DELTA_LIMIT_EXCEEDED, RiskCode.DELTA_LIMIT_EXCEEDED)
    assert "SPY" in verdict.reasons[0].message
    assert "total" in verdict.reasons[1].message
    vega = engine_with(greeks=GreekLimits(total=GreekBounds(vega=1.0, gamma=1.0, theta=0.1)))
    assert codes(vega, order_of(long_calls, limit_price=order.limit_price)) == {
        RiskCode.VEGA_LIMIT_EXCEEDED,
        RiskCode.GAMMA_LIMIT_EXCEEDED,
        RiskCode.THETA_LIMIT_EXCEEDED,
    }


def test_defined_risk_max_loss_is_exact() -> None:
    engine = engine_with(loss=LossLimits(max_loss_per_order=300.0))
    verdict = engine.assess(condor(engine))  # type: ignore[arg-type]
    assert verdict.codes == (RiskCode.MAX_LOSS_EXCEEDED,)
    # the wings are 5 wide: loss = (5 - credit) x 100 at expiry
    credit = -package_mid(engine, IRON_CONDOR)
    assert f"${(5 - round(credit, 2)) * 100:,.0f}" in verdict.reasons[0].message


def test_undefined_risk_is_denied_unless_allowed_then_stressed() -> None:
    naked = [(sym(105, True), Side.SELL, 1)]
    engine = engine_with()
    price = round(package_mid(engine, naked), 2)
    assert codes(engine, order_of(naked, limit_price=price)) == {
        RiskCode.UNDEFINED_RISK_NOT_ALLOWED
    }
    tight = engine_with(loss=LossLimits(allow_undefined_risk=True, max_stress_loss=200.0))
    assert codes(tight, order_of(naked, limit_price=price)) == {RiskCode.STRESS_LOSS_EXCEEDED}
    loose = engine_with(loss=LossLimits(allow_undefined_risk=True, max_stress_loss=5_000.0))
    assert codes(loose, order_of(naked, limit_price=price)) == set()


def test_calendar_is_measured_by_stress() -> None:
    calendar = [(sym(100, True, 0), Side.SELL, 1), (sym(100, True, 1), Side.BUY, 1)]
    engine = engine_with(loss=LossLimits(max_stress_loss=10.0))
    price = round(package_mid(engine, calendar), 2)
    verdict = engine.assess(order_of(calendar, limit_price=price))
    assert verdict.structure == "calendar"
    assert verdict.codes == (RiskCode.STRESS_LOSS_EXCEEDED,)


def test_insufficient_buying_power() -> None:
    engine = engine_with(starting_equity=100.0)
    verdict = engine.assess(condor(engine))  # type: ignore[arg-type]
    assert verdict.codes == (RiskCode.INSUFFICIENT_BUYING_POWER,)


def test_cash_account_denies_an_uncovered_short_call_with_the_profile_reason() -> None:
    engine = engine_with(
        margin_profile=CASH_ACCOUNT,
        loss=LossLimits(allow_undefined_risk=True, max_stress_loss=None),
    )
    naked = [(sym(105, True), Side.SELL, 1)]
    verdict = engine.assess(order_of(naked, limit_price=round(package_mid(engine, naked), 2)))
    assert verdict.codes == (RiskCode.NAKED_NOT_PERMITTED,)


def test_margin_offsets_against_held_positions_on_the_exact_path() -> None:
    engine, _, _ = build_engine(RiskConfig(starting_equity=1_000.0))
    from optionswarm.model import Position

    engine.load_positions(
        [Position(symbol=sym(90, False), underlying="SPY", quantity=1, avg_price=0.5)]
    )
    short_put = [(sym(95, False), Side.SELL, 1)]
    order = order_of(short_put, limit_price=round(package_mid(engine, short_put), 2))
    # alone, a naked 95 put needs ~$1,900 > buying power; with the held 90 put it is a 5-wide
    # credit spread needing (5 - credit) x 100 - the held put's premium already counted.
    assert engine.assess(order).decision is RiskDecision.ACCEPT
    poor, _, _ = build_engine(RiskConfig(starting_equity=1_000.0))
    assert codes(poor, order) == {RiskCode.INSUFFICIENT_BUYING_POWER}


def test_every_failing_reason_is_reported_not_just_the_first() -> None:
    engine = engine_with(
        order=OrderLimits(max_order_contracts=1),
        loss=LossLimits(max_loss_per_order=1.0),
        expiry=ExpiryRules(min_days_to_expiry=90.0),
        starting_equity=10.0,
    )
    found = codes(engine, condor(engine))
    assert found == {
        RiskCode.ORDER_CONTRACTS_EXCEEDED,
        RiskCode.MAX_LOSS_EXCEEDED,
        RiskCode.DTE_BELOW_MINIMUM,
        RiskCode.INSUFFICIENT_BUYING_POWER,
    }


def test_missing_underlying_price_is_denied() -> None:
    engine = engine_with()
    del engine.market.underlyings["SPY"]
    assert RiskCode.NO_MARKET_DATA in codes(engine, condor(engine))


@pytest.mark.parametrize(
    ("legs", "name"),
    [
        ([(sym(100, True), Side.BUY, 1)], "single"),
        ([(sym(100, True), Side.BUY, 1), (sym(105, True), Side.SELL, 1)], "vertical"),
        ([(sym(100, True), Side.BUY, 1), (sym(105, True), Side.SELL, 2)], "ratio_spread"),
        ([(sym(100, True), Side.BUY, 1), (sym(105, True), Side.BUY, 1)], "custom"),
        ([(sym(100, True), Side.SELL, 1), (sym(100, False), Side.SELL, 1)], "straddle"),
        ([(sym(105, True), Side.SELL, 1), (sym(95, False), Side.SELL, 1)], "strangle"),
        ([(sym(105, True), Side.SELL, 1), (sym(95, False), Side.BUY, 1)], "risk_reversal"),
        ([(sym(100, True), Side.BUY, 1), (sym(105, True, 1), Side.SELL, 1)], "diagonal"),
        (
            [
                (sym(95, True), Side.BUY, 1),
                (sym(100, True), Side.SELL, 2),
                (sym(105, True), Side.BUY, 1),
            ],
            "butterfly",
        ),
        (
            [
                (sym(95, False), Side.BUY, 1),
                (sym(100, False), Side.SELL, 1),
                (sym(100, True), Side.SELL, 1),
                (sym(105, True), Side.BUY, 1),
            ],
            "iron_butterfly",
        ),
        (
            [
                (sym(90, False), Side.SELL, 1),
                (sym(95, False), Side.BUY, 1),
                (sym(105, True), Side.BUY, 1),
                (sym(110, True), Side.SELL, 1),
            ],
            "reverse_iron_condor",
        ),
        ([("SPY", Side.BUY, 100), (sym(105, True), Side.SELL, 1)], "covered_call"),
        ([("SPY", Side.BUY, 100), (sym(95, False), Side.BUY, 1)], "protective_put"),
        (
            [("SPY", Side.BUY, 100), (sym(95, False), Side.BUY, 1), (sym(105, True), Side.SELL, 1)],
            "collar",
        ),
        ([("SPY", Side.BUY, 1)], "stock"),
    ],
)
def test_structure_names(legs: list[tuple[str, Side, int]], name: str) -> None:
    engine = engine_with()
    assert engine.assess(order_of(legs, limit_price=0.0)).structure == name


@pytest.mark.parametrize(
    "legs",
    [
        # mixed expiries, mixed sizes, three puts + one call, all short
        [
            (sym(90, False), Side.BUY, 1),
            (sym(95, False), Side.SELL, 1),
            (sym(105, True), Side.SELL, 1),
            (sym(110, True, 1), Side.BUY, 1),
        ],
        [
            (sym(90, False), Side.BUY, 1),
            (sym(95, False), Side.SELL, 2),
            (sym(105, True), Side.SELL, 1),
            (sym(110, True), Side.BUY, 1),
        ],
        [
            (sym(90, False), Side.BUY, 1),
            (sym(95, False), Side.SELL, 1),
            (sym(100, False), Side.SELL, 1),
            (sym(110, True), Side.BUY, 1),
        ],
        [
            (sym(90, False), Side.SELL, 1),
            (sym(95, False), Side.SELL, 1),
            (sym(105, True), Side.SELL, 1),
            (sym(110, True), Side.SELL, 1),
        ],
        [
            (sym(95, True), Side.BUY, 1),
            (sym(100, True), Side.SELL, 1),
            (sym(105, True), Side.BUY, 1),
        ],
        [(sym(100, True), Side.SELL, 1), (sym(95, False, 1), Side.SELL, 1)],
        [("SPY", Side.SELL, 100), (sym(105, True), Side.SELL, 1)],
        [(sym(c, True), Side.BUY, 1) for c in (85, 90, 95, 100, 105)],
    ],
)
def test_shapes_without_a_name_are_custom(legs: list[tuple[str, Side, int]]) -> None:
    engine = engine_with()
    assert engine.assess(order_of(legs, limit_price=0.0)).structure == "custom"
