"""Order manager + paper broker: states, idempotency, packages, partial fills, cancel/replace,
expiry, kill switch, reconciliation, and the store (SQLite here; PostgreSQL in integration)."""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
import pytest
import sqlalchemy as sa

from optionswarm.bus import InProcessBus
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.events import OrderRejected, SessionClose
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import CHAINS, FILLS, ORDERS, REJECTIONS, SESSIONS
from optionswarm.execution import (
    ORDER_EVENTS,
    AllowAllRiskGateStub,
    DuplicateOrderIdError,
    ExecutionStore,
    IllegalOrderTransitionError,
    OrderEvent,
    OrderManager,
    OrderState,
    OrderTrigger,
    PaperBroker,
    PaperBrokerConfig,
    RiskGate,
    RiskOutcome,
    RiskVerdict,
    UnknownOrderError,
    apply_order_trigger,
    transition_table,
)
from optionswarm.model import (
    ChainSnapshot,
    Fill,
    OrderIntent,
    OrderLeg,
    SettlementStyle,
    Side,
    TimeInForce,
)

DAY = dt.date(2016, 1, 4)
CHAIN = toy_chain(
    day=DAY,
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)


def _symbol(strike: float, is_call: bool) -> str:
    for row in range(len(CHAIN)):
        if CHAIN.strike[row] == strike and bool(CHAIN.is_call[row]) is is_call:
            return contract_symbol(CHAIN, row)
    raise AssertionError("not in the toy chain")


SHORT_PUT = _symbol(1900.0, False)
LONG_PUT = _symbol(1800.0, False)


def _chain_with_sizes(size: int) -> ChainSnapshot:
    sizes = np.full(len(CHAIN), size, dtype=np.int64)
    return msgspec.structs.replace(CHAIN, bid_size=sizes, ask_size=sizes)


class _Gate:
    def __init__(self, outcome: RiskOutcome = RiskOutcome.ACCEPT) -> None:
        self.outcome = outcome

    def check(self, intent: OrderIntent) -> RiskVerdict:
        return RiskVerdict(
            client_order_id=intent.client_order_id,
            outcome=self.outcome,
            reason_code="accepted" if self.outcome is RiskOutcome.ACCEPT else "limit_breached",
            message="test gate",
        )


class _Rig:
    def __init__(self, gate: RiskGate | None = None, store: ExecutionStore | None = None) -> None:
        self.bus = InProcessBus()
        self.clock = SimulatedClock(start_ns=CHAIN.ts_ns)
        self.broker = PaperBroker(self.bus, self.clock, PaperBrokerConfig(option_slippage=0.0))
        self.manager = OrderManager(
            self.bus,
            self.clock,
            gate or _Gate(),
            self.broker,
            store=store,
        )
        self.events: list[OrderEvent] = []
        self.fills: list[Fill] = []
        self.rejections: list[OrderRejected] = []
        self.bus.subscribe(ORDER_EVENTS, self.events.append)
        self.bus.subscribe(FILLS, self.fills.append)
        self.bus.subscribe(REJECTIONS, self.rejections.append)
        self.broker.start()
        self.manager.start()

    def spread(
        self, cid: str = "o-1", quantity: int = 4, limit: float | None = -0.01
    ) -> OrderIntent:
        return OrderIntent(
            client_order_id=cid,
            underlying="SPX",
            legs=(
                OrderLeg(symbol=SHORT_PUT, side=Side.SELL),
                OrderLeg(symbol=LONG_PUT, side=Side.BUY),
            ),
            quantity=quantity,
            limit_price=limit,
            ts_ns=CHAIN.ts_ns,
        )


def test_transition_table_refuses_what_it_does_not_hold() -> None:
    assert apply_order_trigger(OrderState.NEW, OrderTrigger.SUBMIT) is OrderState.PENDING_RISK
    table = transition_table()
    terminal = {OrderState.DENIED, OrderState.FILLED, OrderState.CANCELLED, OrderState.REJECTED}
    assert not [pair for pair in table if pair[0] in terminal]
    with pytest.raises(IllegalOrderTransitionError, match="filled cannot take cancel"):
        apply_order_trigger(OrderState.FILLED, OrderTrigger.CANCEL)


def test_accepted_spread_fills_leg_by_leg_as_one_package_with_events() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, CHAIN)
    record = rig.manager.submit(rig.spread())
    assert record.state is OrderState.FILLED
    assert record.filled_quantity == 4
    assert [(f.symbol, f.quantity) for f in rig.fills] == [(SHORT_PUT, 4), (LONG_PUT, 4)]
    assert [e.state for e in rig.events] == [
        OrderState.PENDING_RISK,
        OrderState.SUBMITTED,
        OrderState.FILLED,
    ]
    assert all(e.reason_code and e.message for e in rig.events)
    assert rig.manager.book.quantities() == {SHORT_PUT: -4, LONG_PUT: 4}


def test_resubmitting_the_same_id_is_a_no_op_and_a_different_order_is_refused() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, CHAIN)
    first = rig.manager.submit(rig.spread())
    again = rig.manager.submit(msgspec.structs.replace(rig.spread(), ts_ns=CHAIN.ts_ns + 5))
    assert again == first
    assert len(rig.fills) == 2
    with pytest.raises(DuplicateOrderIdError):
        rig.manager.submit(rig.spread(quantity=9))
    rig.bus.publish(ORDERS, rig.spread(quantity=9))
    assert rig.rejections[-1].reason_code == "duplicate_client_order_id"
    assert rig.manager.get("o-1").intent.quantity == 4


def test_displayed_size_fills_part_and_the_rest_works_until_the_next_chain() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, _chain_with_sizes(3))
    record = rig.manager.submit(rig.spread(quantity=5))
    assert record.state is OrderState.PARTIALLY_FILLED
    assert record.filled_quantity == 3
    assert rig.broker.working_orders() == {"o-1": 2}
    rig.clock.advance_to(CHAIN.ts_ns + 60_000_000_000)
    rig.bus.publish(CHAINS, _chain_with_sizes(3))
    assert rig.manager.get("o-1").state is OrderState.FILLED
    assert sum(f.quantity for f in rig.fills if f.symbol == SHORT_PUT) == 5
    assert sum(f.quantity for f in rig.fills if f.symbol == LONG_PUT) == 5


def test_a_package_never_fills_one_leg_alone() -> None:
    rig = _Rig()
    bid = CHAIN.bid.copy()
    row = next(i for i in range(len(CHAIN)) if contract_symbol(CHAIN, i) == SHORT_PUT)
    bid[row] = np.nan  # the short leg cannot sell
    rig.bus.publish(CHAINS, msgspec.structs.replace(CHAIN, bid=bid))
    record = rig.manager.submit(rig.spread())
    assert record.state is OrderState.WORKING
    assert rig.fills == []


def test_limit_not_reached_rests_then_replace_fills_and_cancel_takes_it_off() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, CHAIN)
    record = rig.manager.submit(rig.spread(limit=-50.0))  # asks a credit no book gives
    assert record.state is OrderState.WORKING
    replaced = rig.manager.replace("o-1", -0.01)
    assert replaced.state is OrderState.FILLED
    other = rig.manager.submit(rig.spread(cid="o-2", limit=-50.0))
    assert other.state is OrderState.WORKING
    cancelled = rig.manager.cancel("o-2", "trader changed mind")
    assert cancelled.state is OrderState.CANCELLED
    assert rig.broker.working_orders() == {}
    with pytest.raises(UnknownOrderError):
        rig.manager.cancel("nope")


def test_day_orders_expire_at_the_session_close_and_gtc_orders_stay() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, CHAIN)
    rig.manager.submit(rig.spread(limit=-50.0))
    gtc = msgspec.structs.replace(rig.spread(cid="o-gtc", limit=-50.0), tif=TimeInForce.GTC)
    rig.manager.submit(gtc)
    rig.bus.publish(SESSIONS, SessionClose(ts_ns=CHAIN.ts_ns, day=DAY.isoformat()))
    assert rig.manager.get("o-1").state is OrderState.EXPIRED
    assert rig.manager.get("o-gtc").state is OrderState.WORKING
    assert list(rig.broker.working_orders()) == ["o-gtc"]


def test_denied_and_approval_paths() -> None:
    rig = _Rig(gate=_Gate(RiskOutcome.DENY))
    rig.bus.publish(CHAINS, CHAIN)
    assert rig.manager.submit(rig.spread()).state is OrderState.DENIED
    assert rig.rejections[-1].stage == "risk"
    held = _Rig(gate=_Gate(RiskOutcome.NEEDS_APPROVAL))
    held.bus.publish(CHAINS, CHAIN)
    assert held.manager.submit(held.spread()).state is OrderState.PENDING_APPROVAL
    assert held.fills == []
    assert held.manager.approve("o-1", "alice").state is OrderState.FILLED
    held.manager.submit(held.spread(cid="o-2"))
    assert held.manager.reject_approval("o-2", "bob", "too big").state is OrderState.DENIED


def test_ioc_and_fok_and_market_without_quote_are_rejected_by_the_broker() -> None:
    rig = _Rig()
    rig.bus.publish(CHAINS, _chain_with_sizes(2))
    ioc = msgspec.structs.replace(rig.spread(cid="ioc", quantity=5), tif=TimeInForce.IOC)
    assert rig.manager.submit(ioc).state is OrderState.REJECTED
    assert rig.manager.get("ioc").filled_quantity == 2
    fok = msgspec.structs.replace(rig.spread(cid="fok", quantity=5), tif=TimeInForce.FOK)
    assert rig.manager.submit(fok).state is OrderState.REJECTED
    assert rig.rejections[-1].reason_code == "fok_not_filled"
    market = OrderIntent(
        client_order_id="mkt",
        underlying="SPY",
        legs=(OrderLeg(symbol="SPY", side=Side.BUY),),
        quantity=1,
        limit_price=None,
        ts_ns=CHAIN.ts_ns,
    )
    assert rig.manager.submit(market).state is OrderState.REJECTED


def test_kill_switch_cancels_everything_and_flattens_with_flatten_orders() -> None:
    rig = _Rig(gate=AllowAllRiskGateStub())  # this test is about the manager, not risk
    rig.bus.publish(CHAINS, CHAIN)
    rig.manager.submit(rig.spread())
    rig.manager.submit(rig.spread(cid="resting", limit=-50.0))
    flattens: list[OrderIntent] = []
    rig.bus.subscribe(ORDERS, flattens.append)
    rig.manager.cancel_all("kill switch")
    assert rig.manager.get("resting").state is OrderState.CANCELLED
    rig.manager.flatten("kill switch")
    assert {i.source for i in flattens} == {"flatten"}
    assert rig.manager.book.quantities() == {}


def test_reconcile_reports_mismatches_to_the_observer() -> None:
    seen: list[object] = []
    rig = _Rig()
    rig.manager.observer = seen.append
    rig.bus.publish(CHAINS, CHAIN)
    rig.manager.submit(rig.spread())
    assert rig.manager.reconcile({SHORT_PUT: -4, LONG_PUT: 4}) == []
    checks = rig.manager.reconcile({SHORT_PUT: -4})
    assert len(checks) == 1
    assert seen == checks
    assert (checks[0].expected, checks[0].actual) == (4, 0)  # type: ignore[attr-defined]


def test_store_recovers_orders_fills_and_positions_without_duplicates(tmp_path: object) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/exec.db")
    store = ExecutionStore(engine, prefix="t_")
    rig = _Rig(store=store)
    rig.bus.publish(CHAINS, _chain_with_sizes(3))
    rig.manager.submit(rig.spread(quantity=5))
    again = _Rig(store=ExecutionStore(engine, prefix="t_"))
    assert again.manager.get("o-1").filled_quantity == 3
    assert again.manager.book.quantities() == {SHORT_PUT: -3, LONG_PUT: 3}
    assert again.broker.working_orders() == {"o-1": 2}
    again.bus.publish(CHAINS, _chain_with_sizes(3))
    assert again.manager.get("o-1").state is OrderState.FILLED
    fill_ids = [f.fill_id for f in ExecutionStore(engine, prefix="t_").load_fills()]
    assert len(fill_ids) == len(set(fill_ids)) == 4
    for fill in rig.fills:  # the broker resends: booked once
        again.manager.on_fill(fill)
    assert again.manager.book.quantities() == {SHORT_PUT: -5, LONG_PUT: 5}
    store.save_breaker("drawdown", b'{"x":1}', 1)
    assert store.load_breakers() == {"drawdown": b'{"x":1}'}
    store.save_breaker("drawdown", None, 2)
    assert store.load_breakers() == {}
    store.drop()


def test_start_reconciles_with_a_broker_that_reports_positions(tmp_path: object) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/exec.db")
    rig = _Rig(store=ExecutionStore(engine))
    rig.bus.publish(CHAINS, CHAIN)
    rig.manager.submit(rig.spread())

    class _Broker:
        def submit(self, intent: OrderIntent) -> None:
            return None

        def cancel(self, client_order_id: str) -> bool:
            return False

        def positions(self) -> dict[str, int]:
            return {SHORT_PUT: -4}  # the long leg is missing at the broker

    seen: list[object] = []
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    manager = OrderManager(
        bus, clock, _Gate(), _Broker(), store=ExecutionStore(engine), observer=seen.append
    )
    manager.start()
    assert [(c.symbol, c.expected, c.actual) for c in seen] == [(LONG_PUT, 4, 0)]  # type: ignore[attr-defined]


def test_day_orders_expire_at_four_in_new_york_on_the_clock() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)  # 2016-01-04 21:00 UTC
    broker = PaperBroker(bus, clock, PaperBrokerConfig())
    manager = OrderManager(bus, clock, _Gate(), broker, session_close=dt.time(16, 0))
    broker.start()
    manager.start()
    bus.publish(CHAINS, CHAIN)
    rig_intent = _Rig().spread(limit=-50.0)
    assert manager.submit(rig_intent).state is OrderState.WORKING
    next_close = CHAIN.ts_ns + 24 * 3_600_000_000_000  # 16:00 EST = 21:00 UTC, the next day
    clock.advance_to(next_close - 1)
    assert manager.get("o-1").state is OrderState.WORKING
    clock.advance_to(next_close)
    assert manager.get("o-1").state is OrderState.EXPIRED
    assert len(clock.timer_names()) == 1  # re-armed for the day after
    manager.stop()
    assert clock.timer_names() == []
