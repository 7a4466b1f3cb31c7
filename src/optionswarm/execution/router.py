"""``OrderRouter``: every order intent goes through the risk gate, then to the execution client.

This is the seam the order manager takes over: it owns the path intent -> gate -> client, so no
strategy can reach the execution client without the gate.
"""

from __future__ import annotations

from optionswarm.bus import MessageBus, Subscription
from optionswarm.engine import Clock, Component
from optionswarm.engine.events import OrderRejected
from optionswarm.engine.topics import ORDERS, REJECTIONS
from optionswarm.execution.ports import ExecutionClient, RiskGate
from optionswarm.model import OrderIntent

__all__ = ["OrderRouter"]


class OrderRouter(Component):
    """Routes ``ORDERS`` through ``RiskGate`` to ``ExecutionClient``; denials become rejections."""

    def __init__(
        self, bus: MessageBus, clock: Clock, gate: RiskGate, client: ExecutionClient
    ) -> None:
        super().__init__("order-router", bus, clock)
        self._gate = gate
        self._client = client
        self._subscription: Subscription | None = None
        self.accepted = 0
        self.denied = 0

    def on_start(self) -> None:
        self._subscription = self.bus.subscribe(ORDERS, self._on_intent)

    def on_stop(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)
            self._subscription = None

    def on_reset(self) -> None:
        self.accepted = 0
        self.denied = 0

    def _on_intent(self, intent: OrderIntent) -> None:
        verdict = self._gate.check(intent)
        if verdict.accepted:
            self.accepted += 1
            self._client.submit(intent)
            return
        self.denied += 1
        self.bus.publish(
            REJECTIONS,
            OrderRejected(
                client_order_id=intent.client_order_id,
                ts_ns=self.clock.now_ns(),
                stage="risk",
                reason_code=verdict.reason_code,
                message=verdict.message,
            ),
        )
