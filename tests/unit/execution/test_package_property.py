"""Property: whatever the displayed sizes and ratios, a package fills only in whole units at its
ratios, never beyond its quantity, and its state says exactly how much filled."""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.bus import InProcessBus
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import CHAINS, FILLS
from optionswarm.execution import (
    AllowAllRiskGateStub,
    OrderManager,
    OrderState,
    PaperBroker,
    PaperBrokerConfig,
)
from optionswarm.model import Fill, OrderIntent, OrderLeg, SettlementStyle, Side

CHAIN = toy_chain(
    day=dt.date(2016, 1, 4),
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)
PUTS = [contract_symbol(CHAIN, r) for r in range(len(CHAIN)) if not CHAIN.is_call[r]]


@settings(max_examples=60, deadline=None)
@given(
    quantity=st.integers(1, 40),
    ratios=st.sampled_from([(1, 1), (1, 2), (2, 1), (1, 3), (3, 1), (2, 3), (3, 2)]),  # coprime
    sizes=st.lists(st.integers(0, 30), min_size=1, max_size=6),
)
def test_package_fills_whole_units_at_the_ratio(
    quantity: int, ratios: tuple[int, int], sizes: list[int]
) -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    broker = PaperBroker(bus, clock, PaperBrokerConfig(option_slippage=0.0))
    # the stub: this property is about fills, not risk
    manager = OrderManager(bus, clock, AllowAllRiskGateStub(), broker)
    fills: list[Fill] = []
    bus.subscribe(FILLS, fills.append)
    broker.start()
    manager.start()
    legs = (
        OrderLeg(symbol=PUTS[1], side=Side.SELL, ratio=ratios[0]),
        OrderLeg(symbol=PUTS[0], side=Side.BUY, ratio=ratios[1]),
    )
    intent = OrderIntent(
        client_order_id="p",
        underlying="SPX",
        legs=legs,
        quantity=quantity,
        limit_price=None,
        ts_ns=CHAIN.ts_ns,
    )
    for step, size in enumerate(sizes):
        shown = np.full(len(CHAIN), size, dtype=np.int64)
        clock.advance_to(CHAIN.ts_ns + step)
        bus.publish(CHAINS, msgspec.structs.replace(CHAIN, bid_size=shown, ask_size=shown))
        if step == 0:
            manager.submit(intent)
        record = manager.get("p")
        per_leg = [sum(f.quantity for f in fills if f.symbol == leg.symbol) for leg in legs]
        assert per_leg == [record.filled_quantity * leg.ratio for leg in legs]
        assert 0 <= record.filled_quantity <= quantity
        if record.filled_quantity == quantity:
            assert record.state is OrderState.FILLED
        elif record.filled_quantity > 0:
            assert record.state is OrderState.PARTIALLY_FILLED
        else:
            assert record.state is OrderState.WORKING
