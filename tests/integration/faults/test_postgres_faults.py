"""PostgreSQL goes away and comes back (a proxy in front of 127.0.0.1:5432 stops and starts).

While it is down every store write fails at once with ``StoreUnavailableError`` naming the
server; the order manager sends nothing whose state it could not store, the ``storage_errors``
breaker halts trading, and the broker's facts (fills) wait in order. Once the server is back the
next write lands the backlog with nothing lost or duplicated: no restart, no reconnect call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest
import sqlalchemy as sa

from optionswarm.audit.log import AuditLog
from optionswarm.audit.signing import Ed25519Signer
from optionswarm.audit.store import AuditStore
from optionswarm.bus import InProcessBus
from optionswarm.engine import SimulatedClock
from optionswarm.engine.recorder import AuditRecorder
from optionswarm.engine.topics import ORDERS
from optionswarm.execution import (
    EXECUTION_NOTICES,
    ExecutionNotice,
    ExecutionStore,
    OrderManager,
    OrderState,
)
from optionswarm.execution.durability import BreakerJournal
from optionswarm.execution.ports import RiskOutcome, RiskVerdict
from optionswarm.model import Fill, OrderIntent
from optionswarm.oversight import ApprovalStore
from optionswarm.oversight.testkit import RecordingBroker, put_spread
from optionswarm.risk import CollarConfig, OrderLimits, RiskConfig, RiskEngine, TradingState
from optionswarm.risk.testkit import standard_chain
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, StoreUnavailableError, create_sql_engine

pytestmark = pytest.mark.service

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


class TcpProxyLike(Protocol):
    """The conftest's ``TcpProxy`` (conftest modules are not importable)."""

    port: int

    def stop(self) -> None: ...
    def start(self) -> None: ...
    def cut(self) -> None: ...


Proxied = tuple[TcpProxyLike, str]


@pytest.fixture
def pg(pg_proxy_url: Proxied) -> Iterator[tuple[TcpProxyLike, sa.Engine]]:
    """The proxy, and an engine through it on a freshly migrated schema."""
    proxy, url = pg_proxy_url
    engine = create_sql_engine(SqlConfig(url=url, connect_timeout_s=2, pool_size=2))
    migrations.upgrade(engine, prefixes=TablePrefixes())
    try:
        yield proxy, engine
    finally:
        engine.dispose()


def _fills(intent: OrderIntent, tag: str, ts_ns: int) -> list[Fill]:
    return [
        Fill(
            client_order_id=intent.client_order_id,
            fill_id=f"{intent.client_order_id}-{tag}-{i}",
            symbol=leg.symbol,
            side=leg.side,
            quantity=leg.ratio,
            price=1.0,
            fee=0.65,
            ts_ns=ts_ns,
        )
        for i, leg in enumerate(intent.legs)
    ]


def test_each_store_fails_clearly_while_postgres_is_down_and_recovers_by_itself(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    execution = ExecutionStore(engine, create=False)
    approvals = ApprovalStore(engine)
    audit = AuditStore(engine)
    rows = [(s, s, "k", b"p", bytes(32), s.to_bytes(32, "big")) for s in range(4)]
    audit.write_batch(rows[:2], [], None)
    assert approvals.save_intent(put_spread("before"), "agent", 1)
    proxy.stop()
    started = time.monotonic()
    writes: list[Callable[[], object]] = [
        lambda: approvals.save_intent(put_spread("during"), "agent", 2),
        lambda: audit.write_batch(rows[2:], [], None),
        lambda: execution.save_breaker("storage_errors", b"{}", 3),
        execution.load_orders,
    ]
    for write in writes:
        with pytest.raises(StoreUnavailableError, match=r"127\.0\.0\.1:\d+/test.* is unavailable"):
            write()
    assert time.monotonic() - started < 10  # refused, not hung
    proxy.start()
    for write in writes:  # the pool replaces its dead connections on the next checkout
        write()
    assert audit.tail() == (0, 4, (3).to_bytes(32, "big"))
    assert approvals.intent("before") is not None
    assert approvals.intent("during") is not None
    assert execution.load_breakers() == {"storage_errors": b"{}"}


def test_connections_cut_while_idle_are_replaced_without_an_error(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    store = ExecutionStore(engine, create=False)
    store.save_breaker("a", b"{}", 1)
    proxy.cut()  # every pooled connection dies; the server stays up
    store.save_breaker("b", b"{}", 2)
    assert set(store.load_breakers()) == {"a", "b"}


class _Node:
    """Risk engine (gate and breakers), order manager and breaker journal on one store."""

    def __init__(self, engine: sa.Engine) -> None:
        chain = standard_chain()
        self.clock = SimulatedClock(start_ns=chain.ts_ns)
        self.bus = InProcessBus()
        config = RiskConfig(
            order=OrderLimits(allow_market_orders=True),
            collar=CollarConfig(max_quote_age_ns=None),
        )
        self.risk = RiskEngine(config, bus=self.bus, clock=self.clock)
        self.risk.on_chain(chain)
        self.broker = RecordingBroker()
        self.store = ExecutionStore(engine, create=False)
        self.journal = BreakerJournal(self.bus, self.clock, self.store)
        self.manager = OrderManager(
            self.bus,
            self.clock,
            self.risk,
            self.broker,
            store=self.store,
            observer=self.risk.observe,
        )
        self.risk.controls.order_control = self.manager
        self.notices: list[ExecutionNotice] = []
        self.bus.subscribe(EXECUTION_NOTICES, self.notices.append)
        self.journal.start()
        self.manager.start()

    def sent(self) -> list[str]:
        return [i.client_order_id for i in self.broker.sent]


def test_the_node_halts_while_postgres_is_down_and_loses_nothing(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    node = _Node(engine)
    first = put_spread("o-1")
    assert node.manager.submit(first).state is OrderState.WORKING
    assert node.sent() == ["o-1"]

    proxy.stop()
    for fill in _fills(first, "a", node.clock.now_ns()):  # the broker fills it meanwhile
        node.manager.on_fill(fill)
    assert node.manager.get("o-1").state is OrderState.FILLED  # the book follows the broker
    trip = node.risk.controls.breakers["storage_errors"].tripped
    assert trip is not None
    assert "record_fills" in trip.message
    assert node.risk.controls.machine.state is TradingState.HALTED
    assert [n.kind for n in node.notices][:1] == ["storage_unavailable"]
    refused = node.manager.submit(put_spread("o-2"))
    assert (refused.state, refused.reason_code) == (OrderState.DENIED, "storage_unavailable")
    assert node.sent() == ["o-1"]  # nothing unstored reached the broker
    assert node.manager.writes.pending > 0
    assert node.journal.writes.pending == 1  # the trip itself waits too

    proxy.start()
    later = node.manager.submit(put_spread("o-3"))  # the next write lands the backlog first
    assert node.manager.writes.pending == 0
    assert later.state is OrderState.DENIED  # halted: the breaker latches until a reset
    assert node.sent() == ["o-1"]
    node.risk.reset_breaker("storage_errors", "ops", "admin")  # the journal catches up here
    assert node.journal.writes.pending == 0
    node.risk.release("ops", "admin")
    node.risk.release("ops", "admin")
    assert node.manager.submit(put_spread("o-4", quantity=2)).state is OrderState.WORKING
    assert node.sent() == ["o-1", "o-4"]

    stored = ExecutionStore(engine, create=False)  # as a restarted process reads it
    orders = stored.load_orders()
    assert {cid: o.state for cid, o in orders.items()} == {
        "o-1": OrderState.FILLED,
        "o-2": OrderState.DENIED,
        "o-3": OrderState.DENIED,
        "o-4": OrderState.WORKING,
    }
    assert [f.fill_id for f in stored.load_fills()] == [f.fill_id for f in _fills(first, "a", 0)]
    assert stored.load_positions().keys() == {leg.symbol for leg in first.legs}
    assert stored.load_breakers() == {}  # tripped, then reset: both writes landed, in order


def test_the_audit_log_keeps_its_chain_across_an_outage(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    log = AuditLog(AuditStore(engine), Ed25519Signer.generate())
    bus, clock = InProcessBus(), SimulatedClock(start_ns=1)
    recorder = AuditRecorder(bus, clock, log)
    recorder.start()
    bus.publish(ORDERS, put_spread("a-1"))
    recorder.flush()

    proxy.stop()
    bus.publish(ORDERS, put_spread("a-2"))
    with pytest.raises(StoreUnavailableError):
        log.append("probe", {"n": 1}, 5)  # fails, and so does the reload after it
    with pytest.raises(StoreUnavailableError):
        recorder.flush()  # the buffered record stays buffered

    proxy.start()
    recorder.flush()  # lands now, chained onto what is really stored
    log.append("after", {"n": 2}, 6)
    assert log.size == 3
    kinds = [log.record(seq).kind for seq in range(log.size)]
    assert kinds == ["order.submitted", "order.submitted", "after"]
    assert log.verify().ok
    reopened = AuditLog(AuditStore(engine), Ed25519Signer.generate())  # a restarted process
    assert reopened.size == 3


class _GateThenOutage:
    """A risk gate whose answer coincides with PostgreSQL going down (a test double of the port:
    the order's ``submitted`` transition is stored, the next write is not)."""

    def __init__(self, proxy: TcpProxyLike, outcome: RiskOutcome, stop: bool) -> None:
        self.proxy, self.outcome, self.stop = proxy, outcome, stop

    def check(self, intent: OrderIntent) -> RiskVerdict:
        if self.stop:
            self.proxy.stop()
        return RiskVerdict(
            client_order_id=intent.client_order_id,
            outcome=self.outcome,
            reason_code="checked",
            message="the gate's answer",
        )


def test_an_order_accepted_as_the_store_goes_down_never_reaches_the_broker(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    broker, store = RecordingBroker(), ExecutionStore(engine, create=False)
    gate = _GateThenOutage(proxy, RiskOutcome.ACCEPT, stop=True)
    manager = OrderManager(InProcessBus(), SimulatedClock(start_ns=1), gate, broker, store=store)
    record = manager.submit(put_spread("g-1"))
    assert (record.state, record.reason_code) == (OrderState.REJECTED, "storage_unavailable")
    assert broker.sent == []
    proxy.start()
    assert manager.writes.flush()
    assert store.load_orders()["g-1"].state is OrderState.REJECTED


def test_an_approval_while_the_store_is_down_is_refused(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    proxy, engine = pg
    broker, store = RecordingBroker(), ExecutionStore(engine, create=False)
    gate = _GateThenOutage(proxy, RiskOutcome.NEEDS_APPROVAL, stop=False)
    manager = OrderManager(InProcessBus(), SimulatedClock(start_ns=1), gate, broker, store=store)
    assert manager.submit(put_spread("g-2")).state is OrderState.PENDING_APPROVAL
    assert manager.submit(put_spread("g-4", quantity=2)).state is OrderState.PENDING_APPROVAL
    proxy.stop()
    record = manager.approve("g-2", "ann")  # "submitted" cannot be stored: not sent
    assert (record.state, record.reason_code) == (OrderState.REJECTED, "storage_unavailable")
    assert broker.sent == []
    manager.submit(put_spread("g-3"))  # a known outage: denied before the gate is asked
    assert manager.get("g-3").state is OrderState.DENIED
    assert manager.approve("g-4", "ann").state is OrderState.DENIED  # likewise
    assert broker.sent == []
    proxy.start()
    assert manager.writes.flush()
    assert {c: o.state for c, o in store.load_orders().items()} == {
        "g-2": OrderState.REJECTED,
        "g-3": OrderState.DENIED,
        "g-4": OrderState.DENIED,
    }


def test_a_connection_killed_mid_transaction_is_a_clear_error_then_replaced(
    pg: tuple[TcpProxyLike, sa.Engine],
) -> None:
    _, engine = pg
    store = ExecutionStore(engine, create=False)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
            with admin.connect() as other:  # as a failover or an operator would
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            insert = store.breakers.insert().values(name="x", tripped=True, updated_ns=1)
            with pytest.raises(StoreUnavailableError, match="is unavailable"):
                conn.execute(insert)
    finally:
        admin.dispose()
    store.save_breaker("y", b"{}", 2)  # a fresh connection from the pool
    assert store.load_breakers() == {"y": b"{}"}


@pytest.mark.parametrize("when", ["begin", "engine_connect"])  # a raw write, a raw read
def test_audit_io_on_a_connection_killed_after_checkout_is_a_clear_error(
    pg: tuple[TcpProxyLike, sa.Engine], when: str
) -> None:
    """The audit store talks to the DB-API cursor directly (speed); a lost connection there is
    the same ``StoreUnavailableError``, never a raw driver error."""
    _, engine = pg
    store = AuditStore(engine)
    rows = [(s, s, "k", b"p", bytes(32), s.to_bytes(32, "big")) for s in range(3)]
    if when == "engine_connect":
        store.write_batch(rows, [], None)
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    kills: list[int] = []

    def kill_once(conn: sa.Connection) -> None:  # between checkout and the raw DB-API call
        if not kills:
            pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            with admin.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            kills.append(pid)

    io: Callable[[], object] = (
        (lambda: store.write_batch(rows, [], None))
        if when == "begin"
        else (lambda: store.records_between(0, 3))
    )
    sa.event.listen(engine, when, kill_once)
    try:
        with pytest.raises(StoreUnavailableError, match="is unavailable"):
            io()
    finally:
        sa.event.remove(engine, when, kill_once)
        admin.dispose()
    assert kills
    io()  # the pool replaced the dead connection
    assert store.tail() == (0, 3, (2).to_bytes(32, "big"))
