"""`optionswarm run` keeping its transactional state on the real PostgreSQL (`[storage] url`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.config import Settings
from optionswarm.service import NodeRuntime, ReplayState
from optionswarm.service.runtime import run_table_prefix
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, create_sql_engine

pytestmark = [pytest.mark.service, pytest.mark.anyio]

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def engine() -> sa.Engine:
    engine = create_sql_engine(SqlConfig(url=PG_URL))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")  # CI turns this skip into a failure
    return engine


async def test_a_run_keeps_orders_fills_approvals_and_audit_on_postgres(
    tmp_path: Path, engine: sa.Engine
) -> None:
    settings = Settings(
        mode="paper",
        strategy={"name": "short-put-spread"},  # type: ignore[arg-type]
        portfolio={"initial_cash": 200_000.0},  # type: ignore[arg-type]
        oversight={"mode": "approve_all"},  # type: ignore[arg-type]
        replay={"start": dt.date(2018, 1, 2), "end": dt.date(2018, 1, 31), "speed": 2000.0},  # type: ignore[arg-type]
        api={"state_dir": tmp_path},  # type: ignore[arg-type]
        storage={"url": PG_URL},  # type: ignore[arg-type]
    )
    runtime = NodeRuntime(settings)
    prefixes = TablePrefixes.with_prefix(run_table_prefix(runtime.run_dir))
    try:
        await runtime.start()
        await asyncio.wait_for(runtime.replay.wait(), 60)
        assert runtime.replay.state is ReplayState.FINISHED
        await runtime.stop()
        assert not (runtime.run_dir / "execution.db").exists()  # nothing went to SQLite
        with engine.connect() as conn:
            orders = conn.execute(
                sa.text(f"select count(*) from {prefixes.execution}orders")
            ).scalar_one()
            fills = conn.execute(
                sa.text(f"select count(*) from {prefixes.execution}fills")
            ).scalar_one()
            intents = conn.execute(
                sa.text(f"select count(*) from {prefixes.oversight}intents")
            ).scalar_one()
            version = conn.execute(
                sa.text(f"select version_num from {prefixes.version_table}")
            ).scalar_one()
        assert orders == len(runtime.node.order_manager.orders) > 0
        assert fills > 0
        assert intents > 0  # the approval queue saw every proposed order
        assert version == migrations.HEAD
        assert runtime.audit.size > 0
        assert runtime.audit.verify().ok  # the audit log on PostgreSQL, verified end to end
    finally:
        runtime.dispose()
        migrations.downgrade(engine, "base", prefixes=prefixes)
        with engine.begin() as conn:  # Alembic keeps its (empty) version table
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prefixes.version_table}")
        engine.dispose()
