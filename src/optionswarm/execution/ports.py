"""Execution seams: the ``RiskGate`` every order passes and the ``ExecutionClient`` that fills it.

These are the final ports. ``optionswarm.risk.RiskEngine`` implements ``RiskGate`` and
``PaperBroker`` implements ``ExecutionClient``; the node wires those by default.
``AllowAllRiskGateStub`` (accepts everything — NOT a risk engine) and ``SimulatedExecutionClient``
(immediate bid/ask fills) remain for tests that say so and are on no default path.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

import msgspec

from optionswarm.model import OrderIntent

__all__ = [
    "AllowAllRiskGateStub",
    "ExecutionClient",
    "RiskGate",
    "RiskOutcome",
    "RiskVerdict",
]


class RiskOutcome(enum.StrEnum):
    """What the risk gate says about an order."""

    ACCEPT = "accept"
    DENY = "deny"
    NEEDS_APPROVAL = "needs_approval"


class RiskVerdict(msgspec.Struct, frozen=True, kw_only=True):
    """The gate's answer: an outcome, a machine-readable reason and a human sentence."""

    client_order_id: str
    outcome: RiskOutcome
    reason_code: str
    message: str

    @property
    def accepted(self) -> bool:
        """True when the order may go to the execution client now."""
        return self.outcome is RiskOutcome.ACCEPT


@runtime_checkable
class RiskGate(Protocol):
    """Pre-trade check that no order bypasses."""

    def check(self, intent: OrderIntent) -> RiskVerdict:
        """Accept, deny (with reason) or ask for human approval."""
        ...


@runtime_checkable
class ExecutionClient(Protocol):
    """Sends accepted orders to a venue (simulated, paper or real); fills come back on the bus."""

    def submit(self, intent: OrderIntent) -> None:
        """Send an accepted order; fills or a rejection are published as events."""
        ...

    def cancel(self, client_order_id: str) -> bool:
        """Ask to cancel a resting order; False if nothing is resting under that id."""
        ...


class AllowAllRiskGateStub:
    """STUB: accepts every order. Stands in until the risk engine exists; never use it live."""

    reason_code = "stub_allow_all"

    def check(self, intent: OrderIntent) -> RiskVerdict:
        """Accept, saying plainly that no risk check was made."""
        return RiskVerdict(
            client_order_id=intent.client_order_id,
            outcome=RiskOutcome.ACCEPT,
            reason_code=self.reason_code,
            message="accepted by the allow-all stub: no risk checks are in place yet",
        )
