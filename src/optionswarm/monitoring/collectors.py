"""Collectors read at scrape time: bus counters, queue depths and quarantined records.

Each callback runs when Prometheus scrapes, so it must be cheap; one that raises is logged
and left out of that scrape (a broken probe never breaks ``/metrics``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from optionswarm.bus import MessageBus

__all__ = [
    "BusCollector",
    "CountsSource",
    "QuarantineCollector",
    "QueueDepthCollector",
    "data_metrics_quarantine",
]

_log = structlog.get_logger("optionswarm.monitoring")

CountsSource = Callable[[], Mapping[str, int]]


class _TransportStats(Protocol):
    pending_publishes: int
    publish_retries: int
    publish_failures: int
    duplicates_dropped: int
    reconnects: int


class BusCollector(Collector):
    """The bus's own counters (``BusStats``) and, on NATS, its transport counters."""

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus

    def describe(self) -> Iterator[Metric]:
        """The families, without reading the bus (lets the registry check names)."""
        yield from self._families(None)

    def collect(self) -> Iterator[Metric]:
        """Current values."""
        yield from self._families(self._bus)

    def _families(self, bus: MessageBus | None) -> Iterator[Metric]:
        stats = bus.stats() if bus is not None else None
        for field, text in (
            ("published", "Messages published on the bus."),
            ("delivered", "Handler calls that returned."),
            ("handler_errors", "Handler calls that raised."),
            ("requests", "Request/response calls."),
        ):
            family = CounterMetricFamily(f"optionswarm_bus_{field}", text)
            if stats is not None:
                family.add_metric([], getattr(stats, field))
            yield family
        transport = _transport(bus)  # NATS only; the families stay (empty) on other buses
        pending = GaugeMetricFamily(
            "optionswarm_bus_pending_publishes", "Publishes awaiting a JetStream ack."
        )
        failures = CounterMetricFamily(
            "optionswarm_bus_publish_failures", "Publishes never acknowledged (NATS)."
        )
        reconnects = CounterMetricFamily(
            "optionswarm_bus_reconnects", "Reconnections to the NATS server."
        )
        if transport is not None:
            pending.add_metric([], transport.pending_publishes)
            failures.add_metric([], transport.publish_failures)
            reconnects.add_metric([], transport.reconnects)
        yield from (pending, failures, reconnects)


def _transport(bus: MessageBus | None) -> _TransportStats | None:
    probe = getattr(bus, "transport_stats", None)
    if bus is None or probe is None:
        return None
    stats: _TransportStats = probe()
    return stats


class QueueDepthCollector(Collector):
    """``optionswarm_queue_depth{queue}`` from callbacks added with :meth:`add`."""

    def __init__(self) -> None:
        self._probes: dict[str, Callable[[], int]] = {}
        self._lock = threading.Lock()

    def add(self, queue: str, depth: Callable[[], int]) -> None:
        """Report ``depth()`` as the depth of ``queue`` (replaces an earlier probe of that name)."""
        with self._lock:
            self._probes[queue] = depth

    def remove(self, queue: str) -> None:
        """Stop reporting ``queue``."""
        with self._lock:
            self._probes.pop(queue, None)

    def describe(self) -> Iterator[Metric]:
        """The family, empty."""
        yield GaugeMetricFamily(
            "optionswarm_queue_depth", "Items waiting in a queue.", labels=["queue"]
        )

    def collect(self) -> Iterator[Metric]:
        """One sample per probe that answered."""
        family = GaugeMetricFamily(
            "optionswarm_queue_depth", "Items waiting in a queue.", labels=["queue"]
        )
        with self._lock:
            probes = sorted(self._probes.items())
        for name, probe in probes:
            try:
                family.add_metric([name], float(probe()))
            except Exception as error:  # a broken probe must not break the scrape
                _log.warning("queue_probe_failed", queue=name, error=repr(error))
        yield family


class QuarantineCollector(Collector):
    """``optionswarm_quarantined_records{reason}``: records that failed validation."""

    def __init__(self, source: CountsSource | None = None) -> None:
        self.source = source

    def describe(self) -> Iterator[Metric]:
        """The family, empty."""
        yield self._family()

    def collect(self) -> Iterator[Metric]:
        """Counts by reason code from the source (none when no source is set)."""
        family = self._family()
        if self.source is not None:
            try:
                counts = self.source()
            except Exception as error:  # same rule as the queue probes
                _log.warning("quarantine_probe_failed", error=repr(error))
                counts = {}
            for reason, count in sorted(counts.items()):
                family.add_metric([reason], float(count))
        yield family

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily(
            "optionswarm_quarantined_records",
            "Records quarantined by data validation, by reason code.",
            labels=["reason"],
        )


class _Snapshot(Protocol):
    def snapshot(self) -> dict[str, int]: ...


def data_metrics_quarantine(metrics: _Snapshot) -> CountsSource:
    """A counts source over ``data.metrics.DataMetrics`` (its ``quarantined.<reason>`` counters)."""
    prefix = "quarantined."

    def counts() -> dict[str, int]:
        return {
            name[len(prefix) :]: value
            for name, value in metrics.snapshot().items()
            if name.startswith(prefix)
        }

    return counts
