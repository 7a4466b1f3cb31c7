"""Breaker, trading-state and kill-switch gauges: read from the risk engine at scrape time.

With the node's risk engine at hand the gauges are read live (under its lock), so a breaker
re-tripped from the store at start-up (``execution.durability.restore_risk``, which publishes no
event) shows as tripped. Without one (a process that only sees the bus) they follow the risk
events.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from optionswarm.risk.events import BreakerReset, BreakerTripped, TradingStateChanged
from optionswarm.risk.state import TradingState, TradingTrigger

if TYPE_CHECKING:
    from optionswarm.risk.engine import RiskEngine

__all__ = ["RiskStateCollector"]


class RiskStateCollector(Collector):
    """``optionswarm_breaker_tripped{breaker}``, ``optionswarm_trading_state{state}`` and
    ``optionswarm_kill_switch_engaged``."""

    def __init__(self, risk: RiskEngine | None = None) -> None:
        self.risk = risk
        self._lock = threading.Lock()
        self._breakers: dict[str, bool] = {}
        self._state = TradingState.ACTIVE
        self._kill = False

    # -- events (used when there is no risk engine to read) -----------------------------------
    def on_breaker_tripped(self, event: BreakerTripped) -> None:
        """A breaker tripped."""
        with self._lock:
            self._breakers[event.breaker] = True

    def on_breaker_reset(self, event: BreakerReset) -> None:
        """A breaker was reset."""
        with self._lock:
            self._breakers[event.breaker] = False

    def on_trading_state(self, event: TradingStateChanged) -> None:
        """The trading state moved; a kill engages the switch, a release lifts it."""
        with self._lock:
            self._state = event.current
            if event.trigger is TradingTrigger.KILL:
                self._kill = True
            elif event.trigger is TradingTrigger.RELEASE:
                self._kill = False

    def on_kill(self) -> None:
        """The kill switch was engaged."""
        with self._lock:
            self._kill = True

    # -- scrape --------------------------------------------------------------------------------
    def _read(self) -> tuple[dict[str, bool], TradingState, bool]:
        if self.risk is not None:
            controls = self.risk.controls
            with controls.lock:
                breakers = {n: b.tripped is not None for n, b in controls.breakers.items()}
                return breakers, controls.state, controls.kill_engaged
        with self._lock:
            return dict(self._breakers), self._state, self._kill

    def describe(self) -> Iterator[Metric]:
        """The three families, empty."""
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        """Current values."""
        breakers, current, kill = self._read()
        tripped, state, kill_switch = _families()
        for name, is_tripped in sorted(breakers.items()):
            tripped.add_metric([name], 1.0 if is_tripped else 0.0)
        for each in TradingState:
            state.add_metric([each.value], 1.0 if each is current else 0.0)
        kill_switch.add_metric([], 1.0 if kill else 0.0)
        yield from (tripped, state, kill_switch)


def _families() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily(
            "optionswarm_breaker_tripped",
            "1 while the breaker is tripped, else 0.",
            labels=["breaker"],
        ),
        GaugeMetricFamily(
            "optionswarm_trading_state",
            "1 for the current trading state (active, reducing, halted), 0 for the others.",
            labels=["state"],
        ),
        GaugeMetricFamily(
            "optionswarm_kill_switch_engaged",
            "1 once the kill switch halted trading (until released).",
        ),
    )
