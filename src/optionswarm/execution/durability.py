"""Breaker state in the execution store, and bringing the risk engine back after a restart.

``BreakerJournal`` writes every ``BreakerTripped`` / ``BreakerReset`` the risk engine publishes
(committed before later subscribers hear of it; while the store is unreachable the writes wait
in order and land with the next one, see ``StoreWrites``). ``restore_risk`` re-trips the stored
breakers (the trading state follows: a HALTED engine stays HALTED across a crash) and seeds the
risk book with the stored positions. Kept out of the package ``__init__``: it imports the risk
engine, which imports the execution ports.
"""

from __future__ import annotations

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.engine import Clock, Component
from optionswarm.execution.store import ExecutionStore
from optionswarm.execution.store_writes import StoreWrites
from optionswarm.risk import RISK_TOPICS, BreakerReset, BreakerTripped, RiskEngine, TradingState
from optionswarm.risk.state import TradingTrigger

__all__ = ["BreakerJournal", "restore_risk"]

_FORCE = {TradingState.REDUCING: TradingTrigger.REDUCE, TradingState.HALTED: TradingTrigger.HALT}
_TRIP_DECODER = msgspec.json.Decoder(BreakerTripped)


class BreakerJournal(Component):
    """Persists breaker trips and resets as they are published."""

    def __init__(self, bus: MessageBus, clock: Clock, store: ExecutionStore) -> None:
        super().__init__("breaker-journal", bus, clock)
        self.store = store
        self.writes = StoreWrites("breakers")
        self._subscriptions: list[Subscription] = []

    def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(RISK_TOPICS[BreakerTripped], self._on_trip),
            self.bus.subscribe(RISK_TOPICS[BreakerReset], self._on_reset),
        ]

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def _on_trip(self, event: object) -> None:
        assert isinstance(event, BreakerTripped)
        payload = msgspec.json.encode(event)
        self.writes.run(
            "save_breaker", lambda: self.store.save_breaker(event.breaker, payload, event.ts_ns)
        )

    def _on_reset(self, event: object) -> None:
        assert isinstance(event, BreakerReset)
        self.writes.run(
            "save_breaker", lambda: self.store.save_breaker(event.breaker, None, event.ts_ns)
        )


def restore_risk(risk: RiskEngine, store: ExecutionStore) -> list[str]:
    """Re-trip stored breakers and load stored positions; returns the breakers re-tripped.

    Call after the first chain reached the engine (positions need marks for margin).
    """
    restored = []
    controls = risk.controls
    with controls.lock:
        for name, payload in sorted(store.load_breakers().items()):
            breaker = controls.breakers.get(name)
            if breaker is None or breaker.tripped is not None:
                continue
            trip = _TRIP_DECODER.decode(payload)
            breaker.tripped = trip
            if controls.machine.state.severity < trip.forces.severity:
                controls.machine.apply(_FORCE[trip.forces])
            restored.append(name)
    risk.load_positions(store.load_positions().values())
    return restored
