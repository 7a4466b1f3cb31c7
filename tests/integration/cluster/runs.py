"""Shared by the multi-process tests: the replay's settings, the single-process reference run,
and what a run's stores say (audit records and root, decisions, orders, fills)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import msgspec

from optionswarm.audit import AuditConfig, AuditLog
from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus
from optionswarm.cluster.protocol import TRADING_STATUS, StatusQuery, TradingStatus
from optionswarm.config import load_settings
from optionswarm.execution import ExecutionStore
from optionswarm.service import NodeRuntime
from optionswarm.service.runtime import run_table_prefix
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, create_sql_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SESSIONS = 40  # 2018-01-02 .. 2018-02-28


def write_config(
    path: Path,
    *,
    state_dir: Path,
    prefix: str,
    storage_url: str | None,
    speed: float = 1000.0,
    api_port: int = 8000,
    nats_url: str = "nats://127.0.0.1:4222",
) -> Path:
    """A paper replay of early 2018 with the swarm; orders risking over $10,000 are refused in
    oversight (a stand-in for a person, so that some orders fill and some are rejected)."""
    storage = f'[storage]\nurl = "{storage_url}"\n' if storage_url else ""
    path.write_text(
        f"""mode = "paper"
[strategy]
name = "swarm"
warmup_sessions = 120
[oversight]
mode = "approve_under_max_loss"
auto_approve_max_loss = 10000.0
[replay]
start = 2018-01-02
end = 2018-02-28
speed = {speed}
hold_for_approvals = false
[api]
state_dir = "{state_dir}"
port = {api_port}
[bus]
prefix = "{prefix}"
nats_servers = ["{nats_url}"]
{storage}"""
    )
    return path


def summary(audit: AuditLog, store: ExecutionStore) -> dict[str, Any]:
    """What must match: every audit record, the root and size, decisions, orders, fills."""
    records = [audit.record(seq) for seq in range(audit.size)]
    by_kind: dict[str, list[Any]] = {}
    for record in records:
        by_kind.setdefault(record.kind, []).append(record.decoded())
    return {
        "records": [(r.ts_ns, r.kind, r.payload) for r in records],
        "root": audit.root().hex(),
        "size": audit.size,
        "decisions": by_kind.get("strategy.decision", []),
        "orders": by_kind.get("order.submitted", []),
        "fills": [msgspec.to_builtins(fill) for fill in store.load_fills()],
        "stored_orders": sorted(store.load_orders()),
        "kinds": sorted(by_kind),
        "verified": audit.verify().ok,
    }


async def _single_process_run(config: Path) -> dict[str, Any]:
    runtime = NodeRuntime(load_settings(config))
    await runtime.start()
    await asyncio.wait_for(runtime.replay.wait(), 120)
    await runtime.stop()
    store = runtime.node.order_manager.store
    assert store is not None
    return summary(runtime.audit, store)


def single_process_run(config: Path) -> dict[str, Any]:
    """The reference: the same replay in one process (SQLite stores)."""
    return asyncio.run(_single_process_run(config))


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def trading_status(client: NatsBus) -> TradingStatus | None:
    """The trading role's answer, or None when it does not answer."""
    try:
        return client.request(TRADING_STATUS, StatusQuery())
    except BusError:
        return None


def run_on_postgres(state_dir: Path, run_dir: Path) -> dict[str, Any]:
    """Read a trading role's run from PostgreSQL, then drop its tables."""
    prefixes = TablePrefixes.with_prefix(run_table_prefix(run_dir))
    engine = create_sql_engine(SqlConfig(url=PG_URL))
    try:
        audit = AuditLog.from_config(
            AuditConfig(
                key_path=str(state_dir / "audit-signing-key.pem"),
                cold_uri=str(run_dir / "audit-archive"),
                table_prefix=prefixes.audit,
            ),
            PG_URL,
        )
        try:
            return summary(audit, ExecutionStore(engine, prefixes.execution))
        finally:
            audit.store.engine.dispose()
    finally:
        migrations.downgrade(engine, "base", prefixes=prefixes)
        with engine.begin() as conn:  # Alembic keeps its (empty) version table
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prefixes.version_table}")
        engine.dispose()
