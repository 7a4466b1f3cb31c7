"""Alembic migrations of the transactional store on SQLite and PostgreSQL.

Upgrade from an empty database and from the previous revision (with data in it), adoption of a
database that the stores' ``create()`` built, downgrade to nothing, and the proof that ``create()``
(the embedded fast path) and ``upgrade`` build the same schema, compared by SQLAlchemy inspection.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.audit.store import AuditStore
from optionswarm.execution import ExecutionStore, OrderRecord, OrderState
from optionswarm.model import Fill, OrderIntent, OrderLeg, Position, Side
from optionswarm.oversight import ApprovalStore
from optionswarm.storage import migrations
from optionswarm.storage.migrations import HEAD, REVISIONS, TablePrefixes
from optionswarm.storage.sql import create_sql_engine, sqlite_url

SYMBOL = "SPXW  160205P01900000"
Schema = dict[str, object]


def schema_of(engine: sa.Engine, prefix: str) -> Schema:
    """Tables, columns, keys, indexes and triggers named ``prefix*``, with ``prefix`` removed."""
    inspector = sa.inspect(engine)
    out: Schema = {}
    for table in sorted(t for t in inspector.get_table_names() if t.startswith(prefix)):
        name = table.removeprefix(prefix)
        columns = [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)]
        indexes = sorted(
            (i["name"].replace(prefix, ""), tuple(i["column_names"]), bool(i["unique"]))
            for i in inspector.get_indexes(table)
            if i["name"] is not None
        )
        uniques = sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table))
        pk = inspector.get_pk_constraint(table)["constrained_columns"]
        out[name] = {"columns": columns, "pk": pk, "indexes": indexes, "unique": uniques}
    out["triggers"] = sorted(t.replace(prefix, "") for t in _triggers(engine, prefix))
    return out


def _triggers(engine: sa.Engine, prefix: str) -> list[str]:
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        query = (
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
        )
    with engine.connect() as conn:
        return [n for (n,) in conn.exec_driver_sql(query) if n.startswith(prefix)]


def create_stores(engine: sa.Engine, p: TablePrefixes) -> None:
    """The embedded fast path: every store's own ``create()``."""
    ExecutionStore(engine, p.execution)
    ApprovalStore(engine, p.oversight).create()
    AuditStore(engine, p.audit).create()


def _order(state: OrderState, filled: int) -> OrderRecord:
    intent = OrderIntent(
        client_order_id="o-1",
        underlying="SPX",
        legs=(OrderLeg(symbol=SYMBOL, side=Side.SELL),),
        quantity=2,
        limit_price=-1.0,
        ts_ns=1,
    )
    return OrderRecord(intent=intent, state=state, filled_quantity=filled, leg_filled=(filled,))


def _fill(n: int) -> Fill:
    return Fill(
        client_order_id="o-1",
        fill_id=f"o-1-{n}",
        symbol=SYMBOL,
        side=Side.SELL,
        quantity=1,
        price=1.25,
        fee=0.65,
        ts_ns=10 + n,
    )


def _audit_rows(start: int, count: int) -> list[tuple[int, int, str, bytes, bytes, bytes]]:
    return [(s, s, "k", b"payload", bytes(32), s.to_bytes(32, "big")) for s in range(start, count)]


def test_upgrade_from_empty_builds_what_create_builds(
    sql_engine: sa.Engine, prefixes: TablePrefixes
) -> None:
    assert migrations.current_revision(sql_engine, prefixes) is None
    migrations.upgrade(sql_engine, prefixes=prefixes)
    assert migrations.current_revision(sql_engine, prefixes) == HEAD
    created = TablePrefixes.with_prefix("c" + prefixes.execution[1:7] + "_")
    create_stores(sql_engine, created)
    migrated_schema = schema_of(sql_engine, prefixes.execution.removesuffix("exec_"))
    created_schema = schema_of(sql_engine, created.execution.removesuffix("exec_"))
    assert migrated_schema.pop("schema_version")  # alembic's own table: the only difference
    assert migrated_schema == created_schema
    tables = {"exec_orders", "exec_fills", "oversight_requests", "audit_records"}
    assert tables <= set(migrated_schema)
    assert len(migrated_schema["triggers"]) >= 4  # type: ignore[arg-type]
    fills = migrated_schema["exec_fills"]
    assert ("ix_exec_fills_client_order_id", ("client_order_id",), False) in fills["indexes"]  # type: ignore[index]


def test_upgrade_from_the_previous_revision_keeps_the_data(
    sql_engine: sa.Engine, prefixes: TablePrefixes
) -> None:
    migrations.upgrade(sql_engine, REVISIONS[-2], prefixes)
    assert migrations.current_revision(sql_engine, prefixes) == REVISIONS[-2]
    store = ExecutionStore(sql_engine, prefixes.execution, create=False)
    store.save_order(_order(OrderState.WORKING, 0))
    position = Position(symbol=SYMBOL, underlying="SPX", quantity=-1, avg_price=1.25)
    assert store.record_fills([_fill(0)], _order(OrderState.PARTIALLY_FILLED, 1), [position])
    audit = AuditStore(sql_engine, prefixes.audit)
    audit.write_batch(_audit_rows(0, 5), [], None)
    before = schema_of(sql_engine, prefixes.execution.removesuffix("exec_"))
    assert "ix_exec_fills_client_order_id" not in str(before["exec_fills"])

    migrations.upgrade(sql_engine, prefixes=prefixes)

    assert migrations.current_revision(sql_engine, prefixes) == HEAD
    assert store.load_orders()["o-1"] == _order(OrderState.PARTIALLY_FILLED, 1)
    assert [f.fill_id for f in store.load_fills("o-1")] == ["o-1-0"]
    assert store.load_positions() == {SYMBOL: position}
    assert audit.tail() == (0, 5, (4).to_bytes(32, "big"))
    after = schema_of(sql_engine, prefixes.execution.removesuffix("exec_"))
    assert "ix_exec_fills_client_order_id" in str(after["exec_fills"])


def test_upgrade_adopts_a_database_that_create_built(
    sql_engine: sa.Engine, prefixes: TablePrefixes
) -> None:
    create_stores(sql_engine, prefixes)
    ExecutionStore(sql_engine, prefixes.execution).save_order(_order(OrderState.WORKING, 0))
    built = schema_of(sql_engine, prefixes.execution.removesuffix("exec_"))
    migrations.upgrade(sql_engine, prefixes=prefixes)
    assert migrations.current_revision(sql_engine, prefixes) == HEAD
    adopted = schema_of(sql_engine, prefixes.execution.removesuffix("exec_"))
    assert adopted.pop("schema_version")
    assert adopted == built
    loaded = ExecutionStore(sql_engine, prefixes.execution, create=False).load_orders()
    assert list(loaded) == ["o-1"]


def test_downgrade_to_base_removes_every_table_and_upgrade_runs_again(
    sql_engine: sa.Engine, prefixes: TablePrefixes
) -> None:
    root = prefixes.execution.removesuffix("exec_")
    migrations.upgrade(sql_engine, prefixes=prefixes)
    migrations.downgrade(sql_engine, REVISIONS[-2], prefixes)
    assert migrations.current_revision(sql_engine, prefixes) == REVISIONS[-2]
    migrations.downgrade(sql_engine, "base", prefixes)
    assert migrations.current_revision(sql_engine, prefixes) is None
    left = schema_of(sql_engine, root)
    assert set(left) == {"schema_version", "triggers"}  # alembic keeps its (empty) version table
    assert left["triggers"] == []
    migrations.upgrade(sql_engine, prefixes=prefixes)
    assert migrations.current_revision(sql_engine, prefixes) == HEAD


def test_the_default_prefixes_are_the_stores_defaults() -> None:
    defaults = TablePrefixes()
    engine = create_sql_engine("sqlite://")
    assert ExecutionStore(engine, create=False).orders.name == f"{defaults.execution}orders"
    assert ApprovalStore(engine).requests.name == f"{defaults.oversight}requests"
    assert AuditStore(engine).records.name == f"{defaults.audit}records"
    with pytest.raises(ValueError, match="letters, digits and underscores"):
        TablePrefixes(execution="exec; DROP TABLE x; --")


_UPGRADE = """
import sys
from optionswarm.storage import migrations
from optionswarm.storage.sql import create_sql_engine, sqlite_url
engine = create_sql_engine(sys.argv[1])
migrations.upgrade(engine, prefixes=migrations.TablePrefixes.with_prefix("race_"))
engine.dispose()
"""


@pytest.mark.service
def test_concurrent_upgrades_from_several_processes_take_turns(pg_url: str) -> None:
    """Roles starting at once each upgrade; PostgreSQL's advisory lock lets one at a time in."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", _UPGRADE, pg_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    errors = [run.communicate(timeout=60)[1] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], errors
    engine = create_sql_engine(pg_url)
    try:
        assert migrations.current_revision(engine, TablePrefixes.with_prefix("race_")) == HEAD
    finally:
        engine.dispose()


def test_upgrades_from_threads_of_one_process_take_turns(tmp_path: Path) -> None:
    engine = create_sql_engine(sqlite_url(str(tmp_path / "threads.db")))
    prefixes = [TablePrefixes.with_prefix(f"th{i}_") for i in range(3)]
    errors: list[BaseException] = []

    def run(p: TablePrefixes) -> None:
        try:
            migrations.upgrade(engine, prefixes=p)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(p,)) for p in prefixes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert errors == []
        assert [migrations.current_revision(engine, p) for p in prefixes] == [HEAD] * 3
    finally:
        engine.dispose()
