"""The transactional stores' behaviour on a migrated schema, on SQLite and PostgreSQL alike.

Orders and fills round trip; an approval decision is taken at most once however many threads
race for it; the audit tables refuse UPDATE and DELETE (the trigger, in each database's own
dialect); a bad batch or a bad vote changes nothing and loses nothing already stored.
"""

from __future__ import annotations

import threading

import msgspec
import pytest
import sqlalchemy as sa

from optionswarm.audit.store import AuditStore
from optionswarm.execution import ExecutionStore, OrderRecord, OrderState
from optionswarm.model import Fill, OrderIntent, OrderLeg, Position, Side
from optionswarm.oversight import ApprovalStatus, ApprovalStore
from optionswarm.oversight.types import ApprovalRequest, ApprovalVote
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes

SYMBOL = "SPXW  160205P01900000"
RACERS = 8


@pytest.fixture
def migrated(sql_engine: sa.Engine, prefixes: TablePrefixes) -> TablePrefixes:
    """The head schema under ``prefixes``, built by the migrations (not by ``create()``)."""
    migrations.upgrade(sql_engine, prefixes=prefixes)
    return prefixes


def _intent(cid: str = "o-1", quantity: int = 2) -> OrderIntent:
    return OrderIntent(
        client_order_id=cid,
        underlying="SPX",
        legs=(OrderLeg(symbol=SYMBOL, side=Side.SELL),),
        quantity=quantity,
        limit_price=-1.0,
        ts_ns=1,
    )


def _order(state: OrderState, filled: int, cid: str = "o-1") -> OrderRecord:
    return OrderRecord(
        intent=_intent(cid), state=state, filled_quantity=filled, leg_filled=(filled,)
    )


def _fill(n: int, cid: str = "o-1") -> Fill:
    return Fill(
        client_order_id=cid,
        fill_id=f"{cid}-{n}",
        symbol=SYMBOL,
        side=Side.SELL,
        quantity=1,
        price=1.25 + n / 100,
        fee=0.65,
        ts_ns=10 + n,
    )


def _position(quantity: int) -> Position:
    return Position(symbol=SYMBOL, underlying="SPX", quantity=quantity, avg_price=1.255)


def _request(request_id: str = "r-1", cid: str = "o-1") -> ApprovalRequest:
    return ApprovalRequest(
        request_id=request_id,
        client_order_id=cid,
        intent=_intent(cid),
        status=ApprovalStatus.PENDING,
        reasons=(),
        structure="short_put",
        max_loss=10_000.0,
        margin=None,
        greeks_before=(0.0, 0.0, 0.0, 0.0),
        greeks_after=(0.0, 0.0, 0.0, 0.0),
        spot=None,
        package_mid=None,
        decision=None,
        risk_checks=(),
        trading_state="normal",
        placed_by="agent",
        required_approvals=1,
        created_ns=5,
        expires_ns=500,
    )


# -- execution -----------------------------------------------------------------------------------
def test_orders_fills_positions_and_breakers_round_trip(
    sql_engine: sa.Engine, migrated: TablePrefixes
) -> None:
    store = ExecutionStore(sql_engine, migrated.execution, create=False)
    store.save_order(_order(OrderState.WORKING, 0))
    store.save_order(_order(OrderState.WORKING, 0, cid="o-2"))
    assert store.record_fills([_fill(0)], _order(OrderState.PARTIALLY_FILLED, 1), [_position(-1)])
    store.record_fills([_fill(0, "o-2")], None, [_position(-2)])
    # a resent fill and one repeated inside the batch are each written once
    written = store.record_fills(
        [_fill(0), _fill(1), _fill(1)], _order(OrderState.FILLED, 2), [_position(-3)]
    )
    assert written == 1
    again = ExecutionStore(sql_engine, migrated.execution, create=False)  # a restarted process
    assert again.load_orders() == {
        "o-1": _order(OrderState.FILLED, 2),
        "o-2": _order(OrderState.WORKING, 0, cid="o-2"),
    }
    assert [f.fill_id for f in again.load_fills()] == ["o-1-0", "o-2-0", "o-1-1"]
    assert again.load_fills("o-1") == [_fill(0), _fill(1)]
    assert again.load_positions() == {SYMBOL: _position(-3)}
    store.save_breaker("storage_errors", b'{"x":1}', 7)
    store.save_breaker("daily_loss", b"{}", 7)
    store.save_breaker("daily_loss", None, 8)
    assert again.load_breakers() == {"storage_errors": b'{"x":1}'}


def test_a_failed_fill_batch_writes_nothing_and_keeps_what_was_stored(
    sql_engine: sa.Engine, migrated: TablePrefixes
) -> None:
    store = ExecutionStore(sql_engine, migrated.execution, create=False)
    store.record_fills([_fill(0)], _order(OrderState.PARTIALLY_FILLED, 1), [_position(-1)])
    bad = Position(symbol=SYMBOL, underlying="SPX", quantity=-(2**70), avg_price=1.0)
    with pytest.raises((sa.exc.DBAPIError, OverflowError)):  # out of range: the batch rolls back
        store.record_fills([_fill(1)], _order(OrderState.FILLED, 2), [bad])
    assert [f.fill_id for f in store.load_fills()] == ["o-1-0"]
    assert store.load_orders()["o-1"] == _order(OrderState.PARTIALLY_FILLED, 1)
    assert store.load_positions() == {SYMBOL: _position(-1)}
    assert store.record_fills([_fill(1)], _order(OrderState.FILLED, 2), [_position(-2)]) == 1


# -- approvals -----------------------------------------------------------------------------------
def test_a_decision_is_taken_at_most_once_under_concurrency(
    sql_engine: sa.Engine, migrated: TablePrefixes
) -> None:
    store = ApprovalStore(sql_engine, migrated.oversight)
    assert store.insert_request(_request())
    assert not store.insert_request(_request("r-2"))  # one request per order
    seen = store.load("r-1")
    assert seen is not None
    barrier = threading.Barrier(RACERS)
    wins: list[str] = []

    def decide(actor: str) -> None:
        decided = msgspec.structs.replace(
            seen.request, status=ApprovalStatus.APPROVED, decided_by=actor
        )
        vote = ApprovalVote(request_id="r-1", actor=actor, approve=True, comment="", ts_ns=9)
        barrier.wait()
        if store.replace(seen, decided, vote):
            wins.append(actor)

    threads = [threading.Thread(target=decide, args=(f"a{i}",)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(wins) == 1
    final = store.load("r-1")
    assert final is not None
    assert final.version == 1
    assert final.request.decided_by == wins[0]
    assert [v.actor for v in store.votes_of("r-1")] == wins
    assert store.requests_in([ApprovalStatus.PENDING]) == []


def test_a_bad_vote_rolls_back_the_decision_it_came_with(
    sql_engine: sa.Engine, migrated: TablePrefixes
) -> None:
    store = ApprovalStore(sql_engine, migrated.oversight)
    store.insert_request(_request())
    seen = store.load("r-1")
    assert seen is not None
    vote = ApprovalVote(request_id="r-1", actor="ann", approve=True, comment="", ts_ns=9)
    with sql_engine.begin() as conn:  # ann's vote is already there
        conn.execute(sa.insert(store.votes), [{**msgspec.structs.asdict(vote), "ts_ns": 1}])
    with pytest.raises(sa.exc.IntegrityError):
        store.replace(seen, seen.request, vote)
    after = store.load("r-1")
    assert after is not None
    assert after.version == seen.version  # the update went with the vote
    assert [v.ts_ns for v in store.votes_of("r-1")] == [1]
    assert store.save_intent(_intent(), "agent", 3)
    assert not store.save_intent(_intent(quantity=9), "someone", 4)  # the first proposal stands
    proposed = store.intent("o-1")
    assert proposed is not None
    assert (proposed.intent.quantity, proposed.placed_by) == (2, "agent")


# -- audit ---------------------------------------------------------------------------------------
def _rows(start: int, end: int) -> list[tuple[int, int, str, bytes, bytes, bytes]]:
    return [(s, s, "k", b"p", bytes(32), s.to_bytes(32, "big")) for s in range(start, end)]


def test_audit_tables_refuse_update_and_delete(
    sql_engine: sa.Engine, migrated: TablePrefixes
) -> None:
    store = AuditStore(sql_engine, migrated.audit)
    checkpoint = {"size": 4, "ts_ns": 4, "root": b"r", "key_id": "k", "signature": b"s"}
    store.write_batch(_rows(0, 4), [(node_id := 4 * 64 + 2, b"n")], checkpoint)
    store.record_archive({"upto": 2, "start": 0, "manifest_path": "m", "manifest_sha256": b"h"})
    assert store.tail() == (2, 4, (3).to_bytes(32, "big"))  # archived records may go
    table_keys = {
        store.records: ("seq", 3),
        store.nodes: ("node_id", node_id),
        store.checkpoints: ("size", 4),
        store.archives: ("upto", 2),
    }
    for table, (key, value) in table_keys.items():
        where = table.c[key] == value
        statements = (table.update().where(where).values({key: value}), table.delete().where(where))
        for statement in statements:
            refused = pytest.raises(sa.exc.DBAPIError, match=r"append-only|archived")
            with refused, sql_engine.begin() as conn:
                conn.execute(statement)
    assert store.tail() == (2, 4, (3).to_bytes(32, "big"))
    assert store.archive_rows()[0]["upto"] == 2
    assert store.checkpoint_row() is not None


def test_a_bad_audit_batch_writes_nothing(sql_engine: sa.Engine, migrated: TablePrefixes) -> None:
    store = AuditStore(sql_engine, migrated.audit)
    store.write_batch(_rows(0, 3), [], None)
    with pytest.raises(Exception, match=r"UNIQUE|duplicate key"):  # a second writer's seq 2
        store.write_batch(_rows(2, 5), [(5 * 64 + 0, b"n")], None)
    assert store.tail() == (0, 3, (2).to_bytes(32, "big"))
    assert store.nodes_completed(0, 10) == []
    store.write_batch(_rows(3, 5), [], None)
    assert [r[0] for r in store.records_between(0, 10)] == [0, 1, 2, 3, 4]
