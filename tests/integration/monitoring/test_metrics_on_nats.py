"""NodeMetrics on the scale-out bus (real NATS JetStream on loopback): events arrive on the
dispatcher thread, and the transport's counters appear beside the port's."""

from __future__ import annotations

import secrets
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from optionswarm.bus.nats import BusUnavailableError, NatsBus, NatsBusConfig
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import PortfolioSnapshot
from optionswarm.engine.topics import BARS, PORTFOLIO
from optionswarm.model import Bar
from optionswarm.monitoring.metrics import MetricsServer, NodeMetrics

pytestmark = pytest.mark.service


@pytest.fixture
def bus() -> Iterator[NatsBus]:
    try:
        made = NatsBus(NatsBusConfig(prefix=f"mon{secrets.token_hex(4)}", consumer="metrics"))
    except BusUnavailableError as error:
        pytest.skip(f"NATS unreachable: {error}")  # CI turns this skip into a failure
    yield made
    made.delete_streams()
    made.close()


def _snapshot(equity: float) -> PortfolioSnapshot:
    zero = dict.fromkeys(
        [
            "gross_exposure",
            "delta",
            "gamma",
            "vega",
            "theta",
            "pnl",
            "pnl_delta",
            "pnl_gamma",
            "pnl_vega",
            "pnl_theta",
            "pnl_residual",
        ],
        0.0,
    )
    return PortfolioSnapshot(
        ts_ns=1, day="2016-01-04", equity=equity, cash=equity, open_positions=0, **zero
    )


def test_events_over_jetstream_are_counted_and_scraped_over_http(bus: NatsBus) -> None:
    metrics = NodeMetrics(bus, SimulatedClock(), initial_equity=1_000.0)
    metrics.start()
    for i in range(3):
        bus.publish(BARS, Bar(symbol="sp500", ts_ns=i + 1, open=1, high=1, low=1, close=1))
    bus.publish(PORTFOLIO, _snapshot(1_250.0))
    bus.flush(timeout=20)
    metrics.stop()

    value = metrics.registry.get_sample_value
    assert value("optionswarm_events_total", {"topic": "market.bars"}) == 3
    assert value("optionswarm_portfolio_equity_dollars") == 1_250.0
    assert value("optionswarm_pnl_cumulative_dollars") == 250.0
    assert value("optionswarm_bus_published_total") == 4
    assert value("optionswarm_bus_pending_publishes") == 0
    assert value("optionswarm_bus_reconnects_total") == 0

    server = MetricsServer(metrics.registry, port=0)
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            body = response.read().decode()
    finally:
        server.stop()
    families = {family.name: family for family in text_string_to_metric_families(body)}
    bars = [
        s for s in families["optionswarm_events"].samples if s.labels.get("topic") == "market.bars"
    ]
    assert [s.value for s in bars if s.name.endswith("_total")] == [3.0]
