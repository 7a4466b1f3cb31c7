"""``TradingNode`` builds the bus its settings name: in-process by default, NATS JetStream to scale.

The NATS case is a ``service`` test against the JetStream server on 127.0.0.1:4222: an order
intent published on the node's bus reaches its order manager, whose transition comes back over
NATS; stopping the node closes the bus it built.
"""

from __future__ import annotations

import secrets

import pytest

from optionswarm.bus import BusClosedError, InProcessBus
from optionswarm.config import BusSettings, Settings
from optionswarm.engine.topics import ORDERS
from optionswarm.execution import ORDER_EVENTS, OrderEvent
from optionswarm.model import OrderIntent, OrderLeg, Side
from optionswarm.node import TradingNode


def _intent() -> OrderIntent:
    return OrderIntent(
        client_order_id="node-bus-1",
        underlying="sp500",
        legs=(OrderLeg(symbol="SPXW  160205P01900000", side=Side.SELL),),
        quantity=1,
        limit_price=-1.0,
        ts_ns=1,
    )


def test_the_default_node_bus_is_in_process_and_a_passed_bus_wins() -> None:
    node = TradingNode(Settings())
    assert isinstance(node.bus, InProcessBus)
    node.start()
    node.stop()
    before = node.bus.stats().published
    node.bus.publish(ORDERS, _intent())  # not closed: reports still use it after a backtest
    assert node.bus.stats().published == before + 1
    mine = InProcessBus()
    assert TradingNode(Settings(bus=BusSettings(kind="nats")), bus=mine).bus is mine


@pytest.mark.service
def test_a_node_with_bus_kind_nats_runs_over_jetstream() -> None:
    from optionswarm.bus.nats import BusUnavailableError, NatsBus

    settings = Settings(bus=BusSettings(kind="nats", prefix=f"t{secrets.token_hex(4)}"))
    try:
        node = TradingNode(settings)
    except BusUnavailableError as error:
        pytest.skip(f"NATS unreachable on 127.0.0.1:4222: {error}")
    bus = node.bus
    assert isinstance(bus, NatsBus)
    assert bus.config.prefix == settings.bus.prefix
    events: list[OrderEvent] = []
    try:
        node.start()
        bus.subscribe(ORDER_EVENTS, events.append)
        bus.publish(ORDERS, _intent())
        bus.flush()
        assert [e.client_order_id for e in events][:1] == ["node-bus-1"]
        assert events[0].state.value == "pending_risk"
    finally:
        bus.delete_streams()
        node.stop()
    with pytest.raises(BusClosedError):
        bus.publish(ORDERS, _intent())
