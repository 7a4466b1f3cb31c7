"""Decision -> structure on a real chain: strikes by delta, prices, brute-force max loss."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.agents.testkit import chain_builder
from optionswarm.model import NS_PER_DAY, ChainSnapshot, Direction, OrderIntent, OrderLeg, VolView
from optionswarm.strategy.builders import build_structure, payoff_extremes
from optionswarm.strategy.exits import ExitConfig, OpenStructure, check_exit, closing_value
from optionswarm.strategy.sizing import SizingConfig, contracts_for
from optionswarm.strategy.structures import (
    MULTIPLIER,
    StructureConfig,
    StructureKind,
    StructurePlan,
    choose_structure,
)

CFG = StructureConfig()


@pytest.fixture(scope="module")
def chain() -> ChainSnapshot:
    return chain_builder().chain_on("sp500", dt.date(2016, 3, 1))


def test_the_table_maps_every_view_pair_and_honours_the_flags() -> None:
    assert choose_structure(Direction.BULLISH, VolView.RISING, CFG) is StructureKind.LONG_CALL
    assert choose_structure(Direction.BEARISH, VolView.FLAT, CFG) is StructureKind.BEAR_PUT_SPREAD
    assert choose_structure(Direction.NEUTRAL, VolView.FALLING, CFG) is StructureKind.IRON_CONDOR
    assert choose_structure(Direction.NEUTRAL, VolView.FLAT, CFG) is StructureKind.CALENDAR
    kinds = {choose_structure(d, v, CFG) for d in Direction for v in VolView}
    assert len(kinds) == 9
    assert StructureKind.SHORT_STRANGLE not in kinds  # no naked shorts unless allowed
    naked = StructureConfig(allow_naked_short=True, prefer_strangle=True, use_covered_call=True)
    assert choose_structure("neutral", "falling", naked) is StructureKind.SHORT_STRANGLE  # type: ignore[arg-type]
    assert choose_structure(Direction.NEUTRAL, VolView.RISING, naked) is StructureKind.LONG_STRANGLE
    assert choose_structure(Direction.BULLISH, VolView.FALLING, naked) is StructureKind.COVERED_CALL
    csp = StructureConfig(use_cash_secured_put=True)
    assert (
        choose_structure(Direction.BULLISH, VolView.FALLING, csp) is StructureKind.CASH_SECURED_PUT
    )


def _brute_force_loss(plan: StructurePlan, spot: float, stress: float) -> tuple[float, float]:
    strikes = np.array([leg.strike for leg in plan.legs if leg.is_option])
    top = max(spot, float(strikes.max())) * (1.0 + stress)  # where unbounded losses are measured
    grid = np.linspace(0.0, top, 30_001)
    grid = np.union1d(grid, strikes)
    value = np.zeros_like(grid)
    for leg in plan.legs:
        mult = MULTIPLIER if leg.is_option else 1
        if not leg.is_option:
            payoff = grid
        elif leg.is_call:
            payoff = np.maximum(grid - leg.strike, 0.0)
        else:
            payoff = np.maximum(leg.strike - grid, 0.0)
        value += leg.side.sign * leg.ratio * mult * payoff
    pnl = value - plan.net_price * MULTIPLIER
    return float(-pnl.min()), float(pnl.max())


@pytest.mark.parametrize("kind", [k for k in StructureKind if k is not StructureKind.CALENDAR])
def test_every_structure_builds_with_max_loss_equal_to_the_payoff_minimum(
    kind: StructureKind, chain: ChainSnapshot
) -> None:
    config = StructureConfig(naked_stress_move=0.5)
    plan = build_structure(kind, chain, config)
    assert plan is not None
    expected_loss, expected_best = _brute_force_loss(plan, chain.spot, 0.5)
    assert plan.max_loss == pytest.approx(expected_loss, rel=1e-9, abs=1e-6)
    if math.isfinite(plan.max_profit):
        assert plan.max_profit == pytest.approx(expected_best, rel=1e-9, abs=1e-6)
    dte = (plan.expiry_ns - chain.ts_ns) / NS_PER_DAY
    assert abs(dte - CFG.target_dte) <= CFG.max_dte_error
    intent = OrderIntent(
        client_order_id="t-1",
        underlying=chain.underlying,
        legs=tuple(OrderLeg(symbol=x.symbol, side=x.side, ratio=x.ratio) for x in plan.legs),
        quantity=1,
        limit_price=None,
        ts_ns=chain.ts_ns,
        structure=kind.value,
    )
    assert len(intent.legs) == len(plan.legs)
    assert kind.value in plan.describe(chain.spot, chain.ts_ns)


def test_strikes_are_picked_by_delta(chain: ChainSnapshot) -> None:
    condor = build_structure(StructureKind.IRON_CONDOR, chain, CFG)
    assert condor is not None
    shorts = [leg for leg in condor.legs if leg.side.sign < 0]
    wings = [leg for leg in condor.legs if leg.side.sign > 0]
    assert all(abs(abs(leg.delta) - CFG.short_delta) < 0.05 for leg in shorts)
    assert all(abs(abs(leg.delta) - CFG.wing_delta) < 0.05 for leg in wings)
    put_short, put_wing = sorted(
        (leg for leg in condor.legs if not leg.is_call), key=lambda leg: -leg.strike
    )
    assert put_wing.strike < put_short.strike
    assert condor.net_price < 0  # a credit
    long_call = build_structure(StructureKind.LONG_CALL, chain, CFG)
    assert long_call is not None
    assert math.isinf(long_call.max_profit)
    assert long_call.max_loss == pytest.approx(long_call.legs[0].price * MULTIPLIER)


def test_calendar_sells_the_near_and_buys_the_far_at_one_strike(chain: ChainSnapshot) -> None:
    plan = build_structure(StructureKind.CALENDAR, chain, CFG)
    assert plan is not None
    near, far = plan.legs
    assert near.side.sign < 0 < far.side.sign
    assert near.strike == far.strike
    assert far.expiry_ns > near.expiry_ns == plan.expiry_ns
    assert plan.max_loss == pytest.approx(plan.net_price * MULTIPLIER)


def test_no_structure_when_the_chain_has_no_fitting_expiry(chain: ChainSnapshot) -> None:
    far_only = StructureConfig(target_dte=3000, max_dte_error=1)
    assert build_structure(StructureKind.LONG_CALL, chain, far_only) is None
    assert build_structure(StructureKind.CALENDAR, chain, far_only) is None


def test_payoff_extremes_measure_a_naked_call_at_the_stress_move(chain: ChainSnapshot) -> None:
    plan = build_structure(
        StructureKind.SHORT_STRANGLE, chain, StructureConfig(naked_stress_move=0.25)
    )
    assert plan is not None
    call = next(leg for leg in plan.legs if leg.is_call)
    put = next(leg for leg in plan.legs if not leg.is_call)
    cost = plan.net_price * MULTIPLIER  # < 0: the premium received
    crash = put.strike * MULTIPLIER + cost  # the put assigned at zero
    top = max(chain.spot, *(leg.strike for leg in plan.legs))
    for move in (0.25, 20.0):
        loss, profit = payoff_extremes(plan.legs, cost, chain.spot, move)
        rally = (top * (1 + move) - call.strike) * MULTIPLIER + cost
        assert loss == pytest.approx(max(crash, rally))
        assert profit == pytest.approx(-cost)
    assert profit == pytest.approx(-plan.net_price * MULTIPLIER)


@settings(deadline=None, max_examples=80)
@given(
    equity=st.floats(1e3, 1e8),
    max_loss=st.floats(1.0, 1e6),
    factor=st.floats(0.0, 1.0),
    fraction=st.floats(0.001, 0.2),
)
def test_size_never_exceeds_the_risk_budget(
    equity: float, max_loss: float, factor: float, fraction: float
) -> None:
    config = SizingConfig(risk_fraction=fraction, max_contracts=10_000)
    n = contracts_for(equity, max_loss, factor, config)
    assert isinstance(n, int)
    budget = equity * fraction * factor
    assert n * max_loss <= budget + 1e-6
    if n < config.max_contracts:
        assert (n + 1) * max_loss > budget - 1e-6


def test_size_is_zero_for_bad_inputs() -> None:
    assert contracts_for(1e6, math.inf, 1.0, SizingConfig()) == 0
    assert contracts_for(-1.0, 100.0, 1.0, SizingConfig()) == 0
    assert contracts_for(1e9, 1.0, 1.0, SizingConfig(max_contracts=7)) == 7


def test_exits_fire_in_order_on_a_real_chain(chain: ChainSnapshot) -> None:
    plan = build_structure(StructureKind.BULL_PUT_SPREAD, chain, CFG)
    assert plan is not None
    position = OpenStructure(trade_id="t", plan=plan, quantity=2, opened_ns=chain.ts_ns)
    value = closing_value(position, chain)
    assert value is not None
    assert value - plan.net_price * MULTIPLIER < 0  # crossing the spread twice costs money
    hold = ExitConfig(take_profit=0.5, stop_loss=0.5, exit_dte=1, delta_breach=0.9)
    assert check_exit(position, chain, hold) is None
    stop = check_exit(position, chain, ExitConfig(stop_loss=1e-9))
    assert stop is not None
    assert stop.reason_code == "stop_loss"
    assert stop.pnl == pytest.approx((value - plan.net_price * MULTIPLIER) * 2)
    dte = check_exit(position, chain, ExitConfig(stop_loss=0.0, exit_dte=400))
    assert dte is not None
    assert dte.reason_code == "dte_exit"
    breach = check_exit(position, chain, ExitConfig(stop_loss=0.0, delta_breach=0.05))
    assert breach is not None
    assert breach.reason_code == "delta_breach"
    cheap = OpenStructure(
        trade_id="t",
        plan=StructurePlan(
            kind=plan.kind,
            legs=plan.legs,
            net_price=-50.0,
            max_loss=plan.max_loss,
            max_profit=5_000.0,
            expiry_ns=plan.expiry_ns,
        ),
        quantity=1,
        opened_ns=chain.ts_ns,
    )
    profit = check_exit(cheap, chain, ExitConfig())
    assert profit is not None
    assert profit.reason_code == "take_profit"


def test_a_leg_missing_from_the_chain_holds_the_exit(chain: ChainSnapshot) -> None:
    plan = build_structure(StructureKind.BEAR_CALL_SPREAD, chain, CFG)
    assert plan is not None
    position = OpenStructure(trade_id="t", plan=plan, quantity=1, opened_ns=chain.ts_ns)
    other = chain.slice(chain.expiry_ns != plan.expiry_ns)
    assert closing_value(position, other) is None
    assert check_exit(position, other, ExitConfig(stop_loss=1e-9)) is None


@pytest.mark.parametrize("kind", list(StructureKind))
def test_structures_needing_calls_or_bids_are_refused_when_the_chain_lacks_them(
    kind: StructureKind, chain: ChainSnapshot
) -> None:
    puts_only = chain.slice(~chain.is_call)
    no_bids = chain.with_columns(bid=np.zeros(len(chain)))
    needs_calls = kind not in {
        StructureKind.LONG_PUT,
        StructureKind.BEAR_PUT_SPREAD,
        StructureKind.BULL_PUT_SPREAD,
        StructureKind.CASH_SECURED_PUT,
    }
    sells = kind not in {
        StructureKind.LONG_CALL,
        StructureKind.LONG_PUT,
        StructureKind.LONG_STRADDLE,
        StructureKind.LONG_STRANGLE,
    }
    if needs_calls:
        assert build_structure(kind, puts_only, CFG) is None
    if sells:
        assert build_structure(kind, no_bids, CFG) is None


def test_a_wing_beyond_the_listed_strikes_is_refused(chain: ChainSnapshot) -> None:
    far_wing = StructureConfig(short_delta=0.02, wing_delta=0.01)
    chain_near = chain.slice(
        (chain.strike > chain.spot * 0.97) & (chain.strike < chain.spot * 1.03)
    )
    for kind in (
        StructureKind.BULL_PUT_SPREAD,
        StructureKind.BEAR_CALL_SPREAD,
        StructureKind.IRON_CONDOR,
    ):
        assert build_structure(kind, chain_near, far_wing) is None
    debit = StructureConfig(long_delta=0.02)
    assert build_structure(StructureKind.BULL_CALL_SPREAD, chain_near, debit) is None
