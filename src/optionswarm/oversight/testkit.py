"""A working approval path for tests: risk engine (SPY chain, spot 100) -> order manager ->
a recording broker, with an :class:`OversightService` in between and an in-memory audit log."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from optionswarm.audit.kinds import AuditKind
from optionswarm.audit.log import AuditLog
from optionswarm.audit.signing import Ed25519Signer
from optionswarm.audit.store import AuditStore
from optionswarm.bus import InProcessBus
from optionswarm.engine import ComponentState, SimulatedClock
from optionswarm.execution import OrderManager, OrderState
from optionswarm.model import OrderIntent, Side
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.service import ApprovalRefusedError, OversightService
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.oversight.store import ApprovalStore
from optionswarm.oversight.target import OrderManagerTarget
from optionswarm.risk import CollarConfig, OrderLimits, RiskConfig, RiskEngine
from optionswarm.risk.testkit import option_symbol, order_of, standard_chain
from optionswarm.storage.sql import SqlConfig, create_sql_engine

__all__ = [
    "ApprovalHarness",
    "RaceOutcome",
    "RecordingBroker",
    "decide_concurrently",
    "put_spread",
    "race",
    "short_put",
]


class RecordingBroker:
    """An execution client that keeps what it was sent and fills nothing."""

    def __init__(self) -> None:
        self.sent: list[OrderIntent] = []

    def submit(self, intent: OrderIntent) -> None:
        """Keep the order."""
        self.sent.append(intent)

    def cancel(self, client_order_id: str) -> bool:
        """Nothing rests here."""
        return False


def put_spread(client_order_id: str = "ord-1", quantity: int = 1, **fields: Any) -> OrderIntent:
    """A 95/90 bull put spread on the SPY test chain (max loss ~$500 a unit minus the credit)."""
    chain = standard_chain()
    legs = [
        (option_symbol(chain, 95.0, call=False), Side.SELL, 1),
        (option_symbol(chain, 90.0, call=False), Side.BUY, 1),
    ]
    return order_of(
        legs, client_order_id=client_order_id, quantity=quantity, limit_price=None, **fields
    )


def short_put(client_order_id: str = "ord-1", quantity: int = 1, **fields: Any) -> OrderIntent:
    """One naked short 95 put (a large, stress-measured max loss)."""
    chain = standard_chain()
    legs = [(option_symbol(chain, 95.0, call=False), Side.SELL, 1)]
    return order_of(
        legs, client_order_id=client_order_id, quantity=quantity, limit_price=None, **fields
    )


class ApprovalHarness:
    """Bus, simulated clock, risk engine, order manager, oversight service and audit log.

    ``restart()`` builds a fresh service (and manager) on the same store and audit log, as a
    process restart would.
    """

    def __init__(
        self,
        config: OversightConfig | None = None,
        *,
        engine: sa.Engine | None = None,
        prefix: str = "oversight_",
        risk_config: RiskConfig | None = None,
    ) -> None:
        self.config = config or OversightConfig()
        self.sql = engine or create_sql_engine(SqlConfig(url="sqlite://", synchronous="OFF"))
        self.prefix = prefix
        self.audit = AuditLog(
            AuditStore(create_sql_engine(SqlConfig(url="sqlite://", synchronous="OFF"))),
            Ed25519Signer.generate(),
        )
        chain = standard_chain()
        self.clock = SimulatedClock(start_ns=chain.ts_ns)
        self.bus = InProcessBus()
        self.risk = RiskEngine(risk_config or _risk_config(), bus=self.bus, clock=self.clock)
        self.risk.on_chain(chain)
        self.broker = RecordingBroker()
        self.manager = OrderManager(self.bus, self.clock, self.risk, self.broker)
        self.store = ApprovalStore(self.sql, prefix)
        self.service = self._service()
        self.service.start()
        self.manager.start()

    def _service(self) -> OversightService:
        return OversightService(
            self.config,
            self.store,
            bus=self.bus,
            clock=self.clock,
            risk=self.risk,
            target=OrderManagerTarget(self.manager),
            audit=self.audit,
        )

    def restart(self) -> OversightService:
        """Stop the service and start a new one on the same store (the manager is kept)."""
        if self.service.state is ComponentState.RUNNING:
            self.service.stop()
        self.service = self._service()
        self.service.start()
        return self.service

    def audit_kinds(self) -> list[str]:
        """The kinds of every audit record, in order."""
        return [self.audit.record(seq).kind for seq in range(self.audit.size)]


def _risk_config() -> RiskConfig:
    """Risk defaults, with market orders allowed and no quote-age limit (the clock moves)."""
    return RiskConfig(
        order=OrderLimits(allow_market_orders=True), collar=CollarConfig(max_quote_age_ns=None)
    )


def decide_concurrently(
    service: OversightService, request_id: str, actors: Sequence[str], approve: Sequence[bool]
) -> tuple[list[str], list[str]]:
    """Every actor answers ``request_id`` at the same moment (one thread each, one barrier).

    Returns the actors whose answer took effect and the refusal codes of the others.
    """
    barrier = threading.Barrier(len(actors))
    wins: list[str] = []
    refusals: list[str] = []
    lock = threading.Lock()

    def answer(actor: str, yes: bool) -> None:
        barrier.wait()
        try:
            if yes:
                service.approve(request_id, actor, "race")
            else:
                service.reject(request_id, actor, "race")
        except ApprovalRefusedError as exc:
            with lock:
                refusals.append(exc.code)
            return
        with lock:
            wins.append(actor)

    threads = [
        threading.Thread(target=answer, args=(a, y)) for a, y in zip(actors, approve, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wins, refusals


class RaceOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """What a race of approvers left behind, for the assertions of SQLite and PostgreSQL runs."""

    wins: tuple[str, ...]
    refusals: tuple[str, ...]
    status: ApprovalStatus
    decided_by: str | None
    approvers: tuple[str, ...]
    voters: tuple[str, ...]
    sent: int
    order_state: OrderState
    decision_records: int  # audit records after the request's own
    audit_ok: bool


def race(
    h: ApprovalHarness, intent: OrderIntent, actors: Sequence[str], approve: Sequence[bool]
) -> RaceOutcome:
    """Submit ``intent`` (it must need approval) and let ``actors`` answer it at once."""
    h.manager.submit(intent)
    request_id = f"apr-{intent.client_order_id}"
    wins, refusals = decide_concurrently(h.service, request_id, actors, approve)
    request = h.service.get(request_id)
    kinds = h.audit_kinds()
    return RaceOutcome(
        wins=tuple(wins),
        refusals=tuple(refusals),
        status=request.status,
        decided_by=request.decided_by,
        approvers=request.approvers,
        voters=tuple(v.actor for v in h.service.votes(request_id)),
        sent=len(h.broker.sent),
        order_state=h.manager.get(intent.client_order_id).state,
        decision_records=sum(1 for k in kinds if k != AuditKind.APPROVAL_REQUESTED),
        audit_ok=h.audit.verify().ok,
    )
