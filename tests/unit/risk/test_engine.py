"""The engine as a whole: trading state, reduce-only, kill switch, resets, the RiskGate port,
incremental aggregates, and wiring to the bus and the simulated clock."""

from __future__ import annotations

import random

import pytest

from optionswarm.bus import InProcessBus
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import PortfolioSnapshot
from optionswarm.engine.topics import CHAINS, FILLS, PORTFOLIO
from optionswarm.execution import RiskGate, RiskOutcome
from optionswarm.model import Fill, Side
from optionswarm.model.testkit import make_quote
from optionswarm.risk import (
    RISK_TOPICS,
    ActionRefused,
    ActionRefusedError,
    BreakerReset,
    BreakersConfig,
    BreakerTripped,
    CancelAllRequested,
    ClosedTrade,
    DenyReason,
    FlattenRequested,
    KillSwitchEngaged,
    PnlUpdate,
    RiskCode,
    RiskConfig,
    RiskDecision,
    RiskEngine,
    RiskVerdict,
    StaleDataConfig,
    TradingState,
    TradingStateChanged,
)
from optionswarm.risk.testkit import build_engine, option_symbol, order_of, standard_chain

CHAIN = standard_chain()
SEC = 1_000_000_000
CALL_100 = option_symbol(CHAIN, 100, True)
PUT_95 = option_symbol(CHAIN, 95, False)


def mid(engine: RiskEngine, symbol: str) -> float:
    return round(engine.market.options[symbol].mid, 2)


def fill(symbol: str, side: Side, quantity: int, price: float, n: int = 1) -> Fill:
    return Fill(
        client_order_id=f"o{n}",
        fill_id=f"f{n}",
        symbol=symbol,
        side=side,
        quantity=quantity,
        price=price,
        fee=0.0,
        ts_ns=CHAIN.ts_ns,
    )


def buy_call(engine: RiskEngine, oid: str = "buy", qty: int = 1) -> RiskVerdict:
    return engine.assess(
        order_of(
            [(CALL_100, Side.BUY, 1)],
            limit_price=mid(engine, CALL_100),
            quantity=qty,
            client_order_id=oid,
        )
    )


def trip_reduce(engine: RiskEngine) -> None:
    for i in range(5):
        engine.observe(ClosedTrade(ts_ns=i, symbol="X", realized_pnl=-1.0))


def test_engine_implements_the_execution_risk_gate_port() -> None:
    engine, _, _ = build_engine()
    assert isinstance(engine, RiskGate)
    accepted = engine.check(order_of([(CALL_100, Side.BUY, 1)], limit_price=mid(engine, CALL_100)))
    assert accepted.outcome is RiskOutcome.ACCEPT
    assert accepted.accepted
    denied = engine.check(
        order_of([(CALL_100, Side.BUY, 1)], limit_price=None, client_order_id="m")
    )
    assert denied.outcome is RiskOutcome.DENY
    assert denied.reason_code == RiskCode.MARKET_ORDER_NOT_ALLOWED
    assert "market orders" in denied.message


def test_approval_policy_seam_turns_an_accept_into_needs_approval() -> None:
    def big_orders(order: object, ctx: object) -> list[DenyReason]:
        return [DenyReason(code=RiskCode.ORDER_PREMIUM_EXCEEDED, check="policy", message="big")]

    engine, _, _ = build_engine(approval_policy=big_orders)
    verdict = buy_call(engine)
    assert verdict.decision is RiskDecision.NEEDS_APPROVAL
    assert verdict.approval_reasons[0].message == "big"
    gate = engine.check(
        order_of(
            [(CALL_100, Side.BUY, 1)],
            limit_price=mid(engine, CALL_100),
            quantity=2,
            client_order_id="g",
        )
    )
    assert gate.outcome is RiskOutcome.NEEDS_APPROVAL


def test_reducing_allows_only_risk_reducing_orders() -> None:
    engine, _, sink = build_engine()
    engine.on_fill(fill(CALL_100, Side.BUY, 3, 2.5))
    trip_reduce(engine)
    assert engine.trading_state is TradingState.REDUCING
    assert sink.of(BreakerTripped)[0].code is RiskCode.CONSECUTIVE_LOSSES
    change = sink.of(TradingStateChanged)[0]
    assert (change.previous, change.current) == (TradingState.ACTIVE, TradingState.REDUCING)
    # opening more: denied
    assert buy_call(engine, "more").codes == (RiskCode.REDUCING_ONLY,)
    # closing part of the position: accepted, and flagged risk-reducing
    close = order_of(
        [(CALL_100, Side.SELL, 1)],
        limit_price=-(mid(engine, CALL_100) - 0.05),
        quantity=2,
        client_order_id="close",
    )
    verdict = engine.assess(close)
    assert verdict.decision is RiskDecision.ACCEPT
    assert verdict.risk_reducing
    # selling through zero to a bigger short grows every exposure: not reducing
    flip = order_of(
        [(CALL_100, Side.SELL, 1)],
        limit_price=-mid(engine, CALL_100),
        quantity=7,
        client_order_id="flip",
    )
    assert RiskCode.REDUCING_ONLY in engine.assess(flip).codes


def test_reducing_accepts_a_greek_hedge_that_shrinks_every_exposure() -> None:
    engine, _, _ = build_engine()
    engine.on_fill(fill(CALL_100, Side.BUY, 2, 2.5))
    trip_reduce(engine)
    # selling one 100 call of the next expiry shrinks delta, gamma and vega of SPY
    later = option_symbol(CHAIN, 100, True, 1)
    hedge = order_of([(later, Side.SELL, 1)], limit_price=mid(engine, later), client_order_id="h")
    engine_verdict = engine.assess(hedge)
    assert engine_verdict.risk_reducing
    assert RiskCode.REDUCING_ONLY not in engine_verdict.codes
    # buying puts adds gamma and vega: not a hedge under the default rule
    puts = order_of([(PUT_95, Side.BUY, 1)], limit_price=mid(engine, PUT_95), client_order_id="p")
    assert RiskCode.REDUCING_ONLY in engine.assess(puts).codes


def test_kill_switch_halts_cancels_and_flattens() -> None:
    calls: list[tuple[str, str]] = []

    class Orders:
        def cancel_all(self, reason: str) -> None:
            calls.append(("cancel_all", reason))

        def flatten(self, reason: str) -> None:
            calls.append(("flatten", reason))

    engine, _, sink = build_engine(order_control=Orders())
    engine.on_fill(fill(CALL_100, Side.BUY, 2, 2.5))
    engine.kill("carol", "trader", "runaway strategy", flatten=True)
    assert engine.trading_state is TradingState.HALTED
    assert calls == [("cancel_all", "runaway strategy"), ("flatten", "runaway strategy")]
    assert sink.of(KillSwitchEngaged)[0].actor == "carol"
    assert sink.of(CancelAllRequested)[0].code is RiskCode.KILL_SWITCH
    assert len(sink.of(FlattenRequested)) == 1
    assert buy_call(engine, "after").codes == (RiskCode.TRADING_HALTED,)
    # flatten orders that close positions still pass a halt
    flatten = order_of(
        [(CALL_100, Side.SELL, 1)],
        limit_price=-(mid(engine, CALL_100) - 0.05),
        quantity=2,
        client_order_id="flat",
        source="flatten",
    )
    assert engine.assess(flatten).decision is RiskDecision.ACCEPT
    closing_but_not_flatten = order_of(
        [(CALL_100, Side.SELL, 1)], limit_price=-mid(engine, CALL_100), client_order_id="c2"
    )
    assert engine.assess(closing_but_not_flatten).codes == (RiskCode.TRADING_HALTED,)


def test_kill_switch_without_flatten_and_refused_for_a_viewer() -> None:
    engine, _, sink = build_engine()
    with pytest.raises(ActionRefusedError):
        engine.kill("vic", "viewer", "curious")
    refused = sink.of(ActionRefused)[0]
    assert (refused.action, refused.code) == ("kill", RiskCode.ROLE_NOT_PERMITTED)
    assert engine.trading_state is TradingState.ACTIVE
    engine.kill("alice", "admin", "end of day")
    assert sink.of(FlattenRequested) == []


def test_reset_and_release_need_an_admin_and_no_tripped_breaker() -> None:
    engine, _, sink = build_engine()
    engine.observe(PnlUpdate(ts_ns=1, equity=100_000.0, day_pnl=0.0))
    engine.observe(PnlUpdate(ts_ns=2, equity=94_000.0, day_pnl=-6_000.0))  # daily loss + drawdown
    assert engine.trading_state is TradingState.HALTED
    assert {t.breaker for t in sink.of(BreakerTripped)} == {"daily_loss", "drawdown"}
    assert {t.breaker for t in engine.status().tripped} == {"daily_loss", "drawdown"}
    with pytest.raises(ActionRefusedError) as by_trader:
        engine.reset_breaker("daily_loss", "bob", "trader")
    assert by_trader.value.code is RiskCode.ROLE_NOT_PERMITTED
    assert sink.of(ActionRefused)[-1].target == "daily_loss"
    engine.reset_breaker("daily_loss", "alice", "admin")
    assert sink.of(BreakerReset)[0].breaker == "daily_loss"
    with pytest.raises(ActionRefusedError) as still:
        engine.release("alice", "admin")
    assert still.value.code is RiskCode.BREAKERS_STILL_TRIPPED
    assert "drawdown" in still.value.message
    engine.reset_breaker("drawdown", "alice", "admin")
    with pytest.raises(ActionRefusedError):
        engine.release("bob", "trader")
    status = engine.status()
    assert status.trading_state is TradingState.HALTED
    assert status.tripped == ()
    assert status.equity == 94_000.0
    assert engine.release("alice", "admin") is TradingState.REDUCING
    assert engine.release("alice", "admin") is TradingState.ACTIVE
    assert buy_call(engine).decision is RiskDecision.ACCEPT


def test_release_from_reducing_is_blocked_by_a_reduce_breaker() -> None:
    engine, _, _ = build_engine()
    trip_reduce(engine)
    with pytest.raises(ActionRefusedError):
        engine.release("alice", "admin")
    engine.reset_breaker("consecutive_losses", "alice", "admin")
    assert engine.release("alice", "admin") is TradingState.ACTIVE


def test_fills_keep_aggregates_equal_to_a_full_resum() -> None:
    engine, _, _ = build_engine()
    rng = random.Random(7)
    symbols = [
        option_symbol(CHAIN, k, c, e)
        for k in (85, 95, 100, 110)
        for c in (True, False)
        for e in (0, 1)
    ]
    for n in range(300):
        side = rng.choice([Side.BUY, Side.SELL])
        engine.on_fill(fill(rng.choice(symbols), side, rng.randint(1, 5), 1.0, n))
    book = engine.book
    greeks = [0.0] * 4
    gross = 0
    for symbol, qty in book.positions.items():
        mark = engine.market.options[symbol]
        for i, g in enumerate((mark.delta, mark.gamma, mark.vega, mark.theta)):
            greeks[i] += qty * g
        gross += abs(qty)
    assert book.exposure("SPY").gross_contracts == gross
    assert book.exposure("SPY").greeks == pytest.approx(greeks)
    assert book.total_greeks == pytest.approx(greeks)
    # a new chain (spot moved) revalues the underlying from its positions
    engine.on_chain(standard_chain(spot=104.0))
    moved = sum(q * engine.market.options[s].delta for s, q in book.positions.items())
    assert book.total_greeks[0] == pytest.approx(moved)
    assert book.margin_capital == pytest.approx(book.exposure("SPY").margin.capital)
    status = engine.status()
    assert status.positions == len(book.positions)
    assert status.greeks[0] == pytest.approx(moved)
    assert status.buying_power == pytest.approx(book.equity - book.margin_capital)


def test_fill_without_a_mark_is_booked_and_blocks_new_margin_there() -> None:
    engine, _, _ = build_engine()
    engine.on_fill(fill("QQQ", Side.BUY, 100, 400.0))
    assert engine.book.position("QQQ") == 100
    assert "QQQ" in engine.book.margin_failures  # no price for QQQ
    unknown = "SPY   240119C00100000"  # an SPY option the chain does not quote
    engine.on_fill(fill(unknown, Side.SELL, 1, 1.0, n=2))
    assert engine.book.exposure("SPY").positions[unknown] == -1
    assert "SPY" in engine.book.margin_failures
    verdict = buy_call(engine)
    assert RiskCode.MARGIN_UNSUPPORTED in verdict.codes
    # closing the unmarked position clears the failure
    engine.on_fill(fill(unknown, Side.BUY, 1, 1.0, n=3))
    assert "SPY" not in engine.book.margin_failures
    assert buy_call(engine, "again").decision is RiskDecision.ACCEPT


def test_stock_fill_counts_as_delta_and_covers_calls() -> None:
    engine, _, _ = build_engine()
    engine.on_fill(fill("SPY", Side.BUY, 100, 100.0))
    assert engine.book.total_greeks[0] == pytest.approx(100 * 100.0)
    call_105 = option_symbol(CHAIN, 105, True)
    # one short call against 100 held shares is covered: no undefined-risk denial
    one = order_of([(call_105, Side.SELL, 1)], limit_price=-mid(engine, call_105))
    assert engine.assess(one).decision is RiskDecision.ACCEPT
    # two are not: the second is naked
    two = order_of(
        [(call_105, Side.SELL, 1)],
        limit_price=-mid(engine, call_105),
        quantity=2,
        client_order_id="two",
    )
    assert RiskCode.UNDEFINED_RISK_NOT_ALLOWED in engine.assess(two).codes
    covered = order_of(
        [("SPY", Side.BUY, 100), (option_symbol(CHAIN, 105, True), Side.SELL, 1)],
        limit_price=None,
        client_order_id="cc",
    )
    verdict = engine.assess(covered)
    assert verdict.structure == "covered_call"
    assert RiskCode.UNDEFINED_RISK_NOT_ALLOWED not in verdict.codes


def test_wired_to_the_bus_and_the_clock() -> None:
    bus = InProcessBus()
    clock = SimulatedClock(start_ns=CHAIN.ts_ns)
    config = RiskConfig(
        breakers=BreakersConfig(stale_data=StaleDataConfig(max_age_ns=5 * SEC)),
    )
    engine = RiskEngine(config, bus=bus, clock=clock)
    published: list[object] = []
    for topic in RISK_TOPICS.values():
        bus.subscribe(topic, published.append)
    engine.start()
    bus.publish(CHAINS, CHAIN)
    assert CALL_100 in engine.market.options
    bus.publish(FILLS, fill(CALL_100, Side.BUY, 1, 2.0))
    assert engine.book.position(CALL_100) == 1
    snapshot = PortfolioSnapshot(
        ts_ns=CHAIN.ts_ns,
        day="2024-01-02",
        equity=150_000.0,
        cash=0.0,
        gross_exposure=0.0,
        open_positions=1,
        delta=0,
        gamma=0,
        vega=0,
        theta=0,
        pnl=0,
        pnl_delta=0,
        pnl_gamma=0,
        pnl_vega=0,
        pnl_theta=0,
        pnl_residual=0,
    )
    bus.publish(PORTFOLIO, snapshot)
    assert engine.book.equity == 150_000.0
    engine.on_quote(make_quote("SPY", ts_ns=CHAIN.ts_ns, bid=100.0, ask=100.02))
    clock.advance_to(CHAIN.ts_ns + 3 * SEC)
    assert engine.trading_state is TradingState.ACTIVE
    clock.advance_to(CHAIN.ts_ns + 6 * SEC)  # the heartbeat sees no SPY quote for > 5 s
    assert engine.trading_state is TradingState.HALTED
    assert any(
        isinstance(e, BreakerTripped) and e.code is RiskCode.STALE_MARKET_DATA for e in published
    )
    engine.stop()
    assert clock.timer_names() == []


def test_quotes_update_option_and_underlying_marks() -> None:
    engine, _, _ = build_engine()
    engine.on_quote(make_quote(CALL_100, ts_ns=CHAIN.ts_ns + 1, bid=3.0, ask=3.2))
    assert engine.market.options[CALL_100].mid == pytest.approx(3.1)
    engine.on_quote(make_quote("SPY", ts_ns=CHAIN.ts_ns + 2, bid=101.0, ask=101.1))
    assert engine.market.underlyings["SPY"].spot == pytest.approx(101.05)
    engine.on_quote(make_quote("NEW", ts_ns=CHAIN.ts_ns + 3, bid=0.0, ask=0.0, last=None))
    assert "NEW" not in engine.market.underlyings
    engine.on_quote(make_quote("IWM", ts_ns=CHAIN.ts_ns + 4, bid=200.0, ask=200.2))
    assert engine.market.underlyings["IWM"].spot == pytest.approx(200.1)


def test_another_margin_model_plugs_in_behind_the_same_interface() -> None:
    from optionswarm.risk import MarginEngine, MarginError, MarginModel, MarginResult

    class NoPortfolioMarginYet:
        def margin(self, legs: object, spot: float, *, broad_based: bool = False) -> MarginResult:
            raise MarginError(RiskCode.MARGIN_UNSUPPORTED, "portfolio margin is not built yet")

    assert isinstance(MarginEngine(), MarginModel)
    assert isinstance(NoPortfolioMarginYet(), MarginModel)
    engine, _, _ = build_engine(margin=NoPortfolioMarginYet())
    put = option_symbol(CHAIN, 95, False)
    verdict = engine.assess(
        order_of(
            [(put, Side.BUY, 1), (option_symbol(CHAIN, 90, False), Side.SELL, 1)], limit_price=0.5
        )
    )
    assert verdict.codes == (RiskCode.MARGIN_UNSUPPORTED,)
    assert "portfolio margin" in verdict.reasons[0].message


def test_an_admin_trips_a_breaker_by_hand_and_it_latches_like_an_automatic_trip() -> None:
    engine, _, sink = build_engine()
    with pytest.raises(ActionRefusedError) as by_trader:
        engine.trip_breaker("drawdown", "bob", "trader", "looks wrong")
    assert by_trader.value.code is RiskCode.ROLE_NOT_PERMITTED
    assert sink.of(ActionRefused)[-1].action == "trip"
    assert engine.trading_state is TradingState.ACTIVE
    trip = engine.trip_breaker("drawdown", "alice", "admin", "feed looks wrong")
    assert trip.breaker == "drawdown"
    assert "alice" in trip.message
    assert "feed looks wrong" in trip.message
    assert sink.of(BreakerTripped)[-1] == trip
    assert engine.trading_state is trip.forces  # the breaker's forced state, as on a real trip
    assert [t.breaker for t in engine.status().tripped] == ["drawdown"]
    with pytest.raises(ActionRefusedError) as again:
        engine.trip_breaker("drawdown", "alice", "admin", "twice")
    assert again.value.code is RiskCode.BREAKERS_STILL_TRIPPED
    with pytest.raises(ActionRefusedError):
        engine.release("alice", "admin")  # still tripped: nothing lifts until it is reset
    engine.reset_breaker("drawdown", "alice", "admin")
    assert engine.release("alice", "admin") is TradingState.REDUCING  # HALTED, one step up
