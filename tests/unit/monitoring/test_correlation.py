"""Correlation ids in the JSON logs: one id follows a trade from market event to fill."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from optionswarm.config import load_settings
from optionswarm.engine.events import SessionClose
from optionswarm.engine.topics import BARS, ORDERS, SESSIONS
from optionswarm.model import Bar, OrderIntent, OrderLeg, Side
from optionswarm.monitoring import configure_logging
from optionswarm.monitoring.correlation import CorrelationLog, bind_correlation, correlation_id
from optionswarm.node import TradingNode

TS = 1_451_941_200_000_000_000


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("info", json=True, stream=stream)
    try:
        yield stream
    finally:
        configure_logging("info")


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def _run_session(extra: OrderIntent | None = None) -> tuple[TradingNode, CorrelationLog]:
    node = TradingNode(load_settings(strategy={"name": "buy-and-hold"}))
    lifecycle = CorrelationLog(node.bus, node.clock)
    lifecycle.start()
    node.start()
    node.clock.advance_to(TS)  # type: ignore[attr-defined]
    node.bus.publish(
        BARS, Bar(symbol="sp500", ts_ns=TS, open=2000, high=2000, low=2000, close=2000)
    )
    if extra is not None:
        node.bus.publish(ORDERS, extra)
    node.bus.publish(SESSIONS, SessionClose(ts_ns=TS, day="2016-01-04"))
    node.stop()
    lifecycle.stop()
    return node, lifecycle


def test_one_id_shows_decision_order_transitions_and_fill(log_lines: io.StringIO) -> None:
    node, lifecycle = _run_session()
    decision_id = next(iter(node.order_manager.orders.values())).intent.decision_id
    assert decision_id is not None
    chain = [r for r in _records(log_lines) if r.get("correlation_id") == decision_id]
    events = [r["event"] for r in chain]
    assert events[:2] == ["decision", "order"]
    assert "order_transition" in events
    assert "fill" in events
    assert chain[0]["market_event"] == f"market.bars:sp500:{TS}"
    order_id = chain[1]["client_order_id"]
    assert lifecycle.correlation_of(order_id) == decision_id
    assert all(r["client_order_id"] == order_id for r in chain[1:])
    states = [r["state"] for r in chain if r["event"] == "order_transition"]
    assert states[-1] == "filled"
    # no per-tick line: the bar itself is not logged at info
    assert not any("market.bars" in r.get("event", "") for r in _records(log_lines))
    # an accepted verdict is a debug line, below the info threshold
    assert "risk_verdict" not in events


def test_a_manual_order_without_a_decision_is_correlated_by_its_own_id(
    log_lines: io.StringIO,
) -> None:
    manual = OrderIntent(
        client_order_id="manual-7",
        underlying="SPX",
        legs=(OrderLeg(symbol="SPXW  160115C02000000", side=Side.BUY, ratio=1),),
        quantity=1,
        limit_price=1.0,
        ts_ns=TS,
        source="manual",
    )
    assert correlation_id(manual) == "manual-7"
    _run_session(manual)
    chain = [r for r in _records(log_lines) if r.get("correlation_id") == "manual-7"]
    events = [r["event"] for r in chain]
    assert events[0] == "order"
    assert "risk_verdict" in events  # a denial is logged at info, with its codes
    verdict = next(r for r in chain if r["event"] == "risk_verdict")
    assert verdict["decision"] == "deny"
    assert verdict["codes"]
    assert "order_rejected" in events
    assert next(r for r in chain if r["event"] == "order_rejected")["level"] == "warning"


def test_bind_correlation_tags_every_line_inside_and_none_after(log_lines: io.StringIO) -> None:
    log = structlog.get_logger("probe")
    with bind_correlation("trade-1", client_order_id="o-1"):
        log.info("inside")
    log.info("after")
    inside, after = _records(log_lines)
    assert inside["correlation_id"] == "trade-1"
    assert inside["client_order_id"] == "o-1"
    assert "correlation_id" not in after


def test_reset_forgets_orders() -> None:
    node, lifecycle = _run_session()
    order_id = next(iter(node.order_manager.orders))
    assert lifecycle.correlation_of(order_id) != order_id
    lifecycle.reset()
    assert lifecycle.correlation_of(order_id) == order_id
