"""The execution seams: router -> risk gate -> execution client, and the bid/ask fill path."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.bus import InProcessBus
from optionswarm.config import ExecutionSettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.events import OrderRejected
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, FILLS, ORDERS, REJECTIONS
from optionswarm.execution import (
    AllowAllRiskGateStub,
    ExecutionClient,
    OrderRouter,
    RiskGate,
    RiskOutcome,
    RiskVerdict,
    SimulatedExecutionClient,
)
from optionswarm.model import Bar, Fill, OrderIntent, OrderLeg, SettlementStyle, Side

DAY = dt.date(2016, 1, 4)
CHAIN = toy_chain(
    day=DAY,
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)


def _row(strike: float, is_call: bool) -> int:
    for i in range(len(CHAIN)):
        if CHAIN.strike[i] == strike and bool(CHAIN.is_call[i]) is is_call:
            return i
    raise AssertionError("row not in toy chain")


class _Deny:
    def check(self, intent: OrderIntent) -> RiskVerdict:
        return RiskVerdict(
            client_order_id=intent.client_order_id,
            outcome=RiskOutcome.DENY,
            reason_code="limit_breached",
            message="too big",
        )


class _Recording:
    def __init__(self) -> None:
        self.submitted: list[OrderIntent] = []

    def submit(self, intent: OrderIntent) -> None:
        self.submitted.append(intent)

    def cancel(self, client_order_id: str) -> bool:
        return False


def _intent(legs: tuple[OrderLeg, ...], quantity: int = 2, limit: float | None = None) -> str:
    return OrderIntent(
        client_order_id="o-1",
        underlying="SPX" if len(legs[0].symbol) > 10 else legs[0].symbol,
        legs=legs,
        quantity=quantity,
        limit_price=limit,
        ts_ns=CHAIN.ts_ns,
    )  # type: ignore[return-value]


@pytest.fixture
def wired() -> tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]]:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    client = SimulatedExecutionClient(bus, clock, ExecutionSettings(fee_per_contract=0.65))
    router = OrderRouter(bus, clock, AllowAllRiskGateStub(), client)
    client.start()
    router.start()
    fills: list[Fill] = []
    rejections: list[OrderRejected] = []
    bus.subscribe(FILLS, fills.append)
    bus.subscribe(REJECTIONS, rejections.append)
    bus.publish(CHAINS, CHAIN)
    bar = Bar(symbol="sp500", ts_ns=CHAIN.ts_ns, open=1990, high=2010, low=1985, close=2000)
    bus.publish(BARS, bar)
    return bus, client, fills, rejections


def test_stub_gate_accepts_and_says_it_is_a_stub() -> None:
    intent = _intent((OrderLeg(symbol="sp500", side=Side.BUY),))
    verdict = AllowAllRiskGateStub().check(intent)  # type: ignore[arg-type]
    assert verdict.accepted
    assert verdict.reason_code == "stub_allow_all"
    assert "no risk checks" in verdict.message
    assert isinstance(AllowAllRiskGateStub(), RiskGate)


def test_denied_order_never_reaches_the_client_and_is_published_as_rejection() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=5)
    client = _Recording()
    assert isinstance(client, ExecutionClient)
    router = OrderRouter(bus, clock, _Deny(), client)
    router.start()
    rejections: list[OrderRejected] = []
    bus.subscribe(REJECTIONS, rejections.append)
    bus.publish(ORDERS, _intent((OrderLeg(symbol="sp500", side=Side.BUY),)))  # type: ignore[arg-type]
    assert client.submitted == []
    assert [(r.stage, r.reason_code, r.ts_ns) for r in rejections] == [
        ("risk", "limit_breached", 5)
    ]
    assert router.denied == 1
    router.stop()
    router.reset()
    assert router.denied == 0


def test_spread_fills_buys_at_ask_plus_slippage_and_sells_at_bid_minus_slippage(
    wired: tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]],
) -> None:
    bus, _, fills, rejections = wired
    short, long = _row(1900.0, False), _row(1800.0, False)
    legs = (
        OrderLeg(symbol=contract_symbol(CHAIN, short), side=Side.SELL),
        OrderLeg(symbol=contract_symbol(CHAIN, long), side=Side.BUY),
    )
    bus.publish(ORDERS, _intent(legs, quantity=3))  # type: ignore[arg-type]
    assert rejections == []
    assert [(f.side, f.quantity) for f in fills] == [(Side.SELL, 3), (Side.BUY, 3)]
    assert fills[0].price == pytest.approx(CHAIN.bid[short] - 0.05)
    assert fills[1].price == pytest.approx(CHAIN.ask[long] + 0.05)
    assert fills[0].fee == pytest.approx(3 * 0.65)
    assert {f.fill_id for f in fills} == {"o-1-0", "o-1-1"}


def test_underlying_fills_at_close_plus_basis_points(
    wired: tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]],
) -> None:
    bus, _, fills, _ = wired
    bus.publish(ORDERS, _intent((OrderLeg(symbol="sp500", side=Side.BUY),), quantity=10))  # type: ignore[arg-type]
    assert fills[0].price == pytest.approx(2000.0 * (1 + 1e-4))
    bus.publish(ORDERS, _intent((OrderLeg(symbol="sp500", side=Side.SELL),), quantity=10))  # type: ignore[arg-type]
    assert fills[1].price == pytest.approx(2000.0 * (1 - 1e-4))


def test_order_for_unlisted_contract_or_unknown_symbol_is_rejected_whole(
    wired: tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]],
) -> None:
    bus, client, fills, rejections = wired
    listed = contract_symbol(CHAIN, _row(1900.0, False))
    legs = (
        OrderLeg(symbol=listed, side=Side.SELL),
        OrderLeg(symbol="SPXW  160205P01234000", side=Side.BUY),
    )
    bus.publish(ORDERS, _intent(legs))  # type: ignore[arg-type]
    bus.publish(ORDERS, _intent((OrderLeg(symbol="nasdaq", side=Side.BUY),)))  # type: ignore[arg-type]
    assert fills == []
    assert [r.reason_code for r in rejections] == ["no_quote", "no_quote"]
    assert "not in the latest" in rejections[0].message
    assert client.rejections == 2
    assert client.cancel("o-1") is False


def test_limit_order_fills_only_when_the_package_reaches_the_limit(
    wired: tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]],
) -> None:
    bus, _, fills, rejections = wired
    short, long = _row(1900.0, False), _row(1800.0, False)
    legs = (
        OrderLeg(symbol=contract_symbol(CHAIN, short), side=Side.SELL),
        OrderLeg(symbol=contract_symbol(CHAIN, long), side=Side.BUY),
    )
    credit = float(CHAIN.bid[short] - CHAIN.ask[long]) - 0.10
    bus.publish(ORDERS, _intent(legs, limit=-(credit + 1.0)))  # type: ignore[arg-type]
    assert [r.reason_code for r in rejections] == ["limit_not_reached"]
    bus.publish(ORDERS, _intent(legs, limit=-(credit - 0.01)))  # type: ignore[arg-type]
    assert len(fills) == 2


def test_client_reset_forgets_quotes(
    wired: tuple[InProcessBus, SimulatedExecutionClient, list[Fill], list[OrderRejected]],
) -> None:
    bus, client, fills, rejections = wired
    client.stop()
    client.reset()
    client.start()
    bus.publish(ORDERS, _intent((OrderLeg(symbol="sp500", side=Side.BUY),)))  # type: ignore[arg-type]
    assert fills == []
    assert rejections[-1].reason_code == "no_quote"
