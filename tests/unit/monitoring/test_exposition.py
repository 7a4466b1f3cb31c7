"""Exposition: what ``render_metrics`` returns parses back (prometheus_client.parser) to the values
the node's events set, whatever the values and label texts; scrape-time probes never break it."""

from __future__ import annotations

import asyncio

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families

from optionswarm.bus import InProcessBus
from optionswarm.data.metrics import DataMetrics
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot
from optionswarm.engine.topics import PORTFOLIO, REJECTIONS
from optionswarm.monitoring.collectors import data_metrics_quarantine
from optionswarm.monitoring.metrics import NodeMetrics, render_metrics
from optionswarm.storage.quarantine import QUARANTINE_SCHEMA, QuarantineStore

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _parsed(metrics: NodeMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    body, content_type = render_metrics(metrics.registry)
    assert content_type.startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(body.decode()):
        assert family.name.startswith("optionswarm_")
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _metrics(**kwargs: object) -> tuple[InProcessBus, NodeMetrics]:
    bus = InProcessBus()
    metrics = NodeMetrics(bus, SimulatedClock(), **kwargs)  # type: ignore[arg-type]
    metrics.start()
    return bus, metrics


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_finite, min_size=13, max_size=13), positions=st.integers(0, 10_000))
def test_portfolio_gauges_round_trip_through_the_text_format(
    values: list[float], positions: int
) -> None:
    bus, metrics = _metrics(initial_equity=1_000_000.0)
    names = ["equity", "cash", "gross_exposure", "delta", "gamma", "vega", "theta", "pnl"]
    names += ["pnl_delta", "pnl_gamma", "pnl_vega", "pnl_theta", "pnl_residual"]
    fields = dict(zip(names, values, strict=True))
    snapshot = PortfolioSnapshot(ts_ns=1, day="2016-01-04", open_positions=positions, **fields)
    bus.publish(PORTFOLIO, snapshot)
    parsed = _parsed(metrics)
    assert parsed[("optionswarm_portfolio_equity_dollars", ())] == snapshot.equity
    assert parsed[("optionswarm_portfolio_open_positions", ())] == positions
    for greek in ("delta", "gamma", "vega", "theta"):
        assert parsed[("optionswarm_portfolio_greek", (("greek", greek),))] == getattr(
            snapshot, greek
        )
    assert parsed[("optionswarm_pnl_cumulative_dollars", ())] == snapshot.equity - 1_000_000.0


@settings(max_examples=60, deadline=None)
@given(reasons=st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=8))
def test_any_reason_text_is_escaped_and_counted_once_per_rejection(reasons: list[str]) -> None:
    bus, metrics = _metrics()
    for i, reason in enumerate(reasons):
        bus.publish(
            REJECTIONS,
            OrderRejected(
                client_order_id=f"o{i}", ts_ns=i, stage="risk", reason_code=reason, message=""
            ),
        )
    parsed = _parsed(metrics)
    for reason in set(reasons):
        key = ("optionswarm_order_rejections_total", (("reason", reason), ("stage", "risk")))
        assert parsed[key] == reasons.count(reason)
    topic_key = ("optionswarm_events_total", (("topic", "orders.rejections"),))
    assert parsed[topic_key] == len(reasons)


def test_openmetrics_is_negotiated_from_the_accept_header() -> None:
    _, metrics = _metrics()
    body, content_type = metrics.render("application/openmetrics-text; version=1.0.0")
    assert content_type.startswith("application/openmetrics-text")
    names = {family.name for family in openmetrics_families(body.decode())}
    assert "optionswarm_events" in names
    assert body.endswith(b"# EOF\n")


def test_queue_depths_are_read_at_scrape_time_and_a_broken_probe_is_left_out() -> None:
    _, metrics = _metrics()
    queue: asyncio.Queue[int] = asyncio.Queue()
    metrics.add_queue("hub", queue.qsize)

    def broken() -> int:
        raise RuntimeError("probe down")

    metrics.add_queue("broken", broken)
    for i in range(3):
        queue.put_nowait(i)
    parsed = _parsed(metrics)
    assert parsed[("optionswarm_queue_depth", (("queue", "hub"),))] == 3
    assert ("optionswarm_queue_depth", (("queue", "broken"),)) not in parsed
    metrics.queues.remove("broken")
    queue.get_nowait()
    assert _parsed(metrics)[("optionswarm_queue_depth", (("queue", "hub"),))] == 2


def test_quarantined_records_from_the_quarantine_store_and_from_data_metrics(
    tmp_path: object,
) -> None:
    store = QuarantineStore(str(tmp_path))
    rows = [
        {
            "quarantined_at_ns": 1,
            "source": "vendor.csv",
            "layout": "cboe",
            "row": i,
            "reason_code": reason,
            "reason": "bad",
            "raw": "{}",
        }
        for i, reason in enumerate(["crossed_quote", "crossed_quote", "negative_price"])
    ]
    store.add(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA))
    _, from_store = _metrics(quarantine=store.counts)
    parsed = _parsed(from_store)
    assert parsed[("optionswarm_quarantined_records", (("reason", "crossed_quote"),))] == 2
    assert parsed[("optionswarm_quarantined_records", (("reason", "negative_price"),))] == 1

    data = DataMetrics()
    data.inc("records_read", 10)
    data.inc("quarantined.stale_quote", 4)
    _, from_counters = _metrics(quarantine=data_metrics_quarantine(data))
    parsed = _parsed(from_counters)
    assert parsed[("optionswarm_quarantined_records", (("reason", "stale_quote"),))] == 4
    assert not any(
        name == "optionswarm_quarantined_records" and labels == (("reason", "records_read"),)
        for name, labels in parsed
    )

    def broken() -> dict[str, int]:
        raise OSError("disk gone")

    _, failing = _metrics(quarantine=broken)
    assert not any(name == "optionswarm_quarantined_records" for name, _ in _parsed(failing))
