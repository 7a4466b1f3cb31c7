"""The multi-process node (four role processes joined by NATS, state on PostgreSQL) makes the
same decisions, orders and fills, and writes the same audit log (same Merkle root), as the
single-process run on the same replay."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import msgspec
import pytest

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

from .conftest import PG_URL, wait_until

pytestmark = [pytest.mark.service, pytest.mark.slow]

SESSIONS = 40  # 2018-01-02 .. 2018-02-28


def write_config(path: Path, *, state_dir: Path, prefix: str, storage_url: str | None) -> Path:
    """A paper replay of early 2018 with the swarm; orders risking over $10,000 are refused in
    oversight (a stand-in for a person, so that some orders fill and some are rejected)."""
    storage = f'[storage]\nurl = "{storage_url}"\n' if storage_url else ""
    path.write_text(
        f"""mode = "paper"
[strategy]
name = "swarm"
[oversight]
mode = "approve_under_max_loss"
auto_approve_max_loss = 10000.0
[replay]
start = 2018-01-02
end = 2018-02-28
speed = 1000.0
hold_for_approvals = false
[api]
state_dir = "{state_dir}"
[bus]
prefix = "{prefix}"
{storage}"""
    )
    return path


def summary(audit: AuditLog, store: ExecutionStore) -> dict[str, Any]:
    """What must match: the audit root and size, decisions, orders, fills."""
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
        "kinds": sorted(by_kind),
    }


async def single_process_run(config: Path) -> dict[str, Any]:
    runtime = NodeRuntime(load_settings(config))
    await runtime.start()
    await asyncio.wait_for(runtime.replay.wait(), 120)
    await runtime.stop()
    store = runtime.node.order_manager.store
    assert store is not None
    return summary(runtime.audit, store)


def trading_status(client: NatsBus) -> TradingStatus | None:
    try:
        return client.request(TRADING_STATUS, StatusQuery())
    except BusError:
        return None


def test_four_role_processes_reproduce_the_single_process_run(
    tmp_path: Path, nats_prefix: str, nats_client: NatsBus, roles: Any
) -> None:
    single_config = write_config(
        tmp_path / "single.toml",
        state_dir=tmp_path / "single",
        prefix=nats_prefix,
        storage_url=None,
    )
    expected = asyncio.run(single_process_run(single_config))
    assert len(expected["decisions"]) >= 5
    assert len(expected["fills"]) >= 5
    assert "order.rejected" in expected["kinds"]  # rejections travel back to the strategy too

    state_dir = tmp_path / "cluster"
    config = write_config(
        tmp_path / "cluster.toml", state_dir=state_dir, prefix=nats_prefix, storage_url=PG_URL
    )
    trading = roles("trading", config)
    agents = roles("agents", config)
    wait_until(lambda: trading_status(nats_client) is not None, 60, "the trading role")
    ingest = roles("ingest", config)
    last: list[TradingStatus | None] = [None]

    def finished() -> bool:
        last[0] = status = trading_status(nats_client)
        return status is not None and status.seq == SESSIONS

    wait_until(finished, 240, f"{SESSIONS} sessions played by the trading role")
    status = last[0]
    assert status is not None
    assert status.agent_failures == 0
    for process in (ingest, agents, trading):
        process.signal(signal.SIGTERM)
    for process in (ingest, agents, trading):
        assert process.wait(60) == 0, process.output()[-3000:]

    run_dir = Path(status.run_dir)
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
        got = summary(audit, ExecutionStore(engine, prefixes.execution))
        assert audit.verify().ok
        audit.store.engine.dispose()
    finally:
        migrations.downgrade(engine, "base", prefixes=prefixes)
        engine.dispose()
    assert got["decisions"] == expected["decisions"]
    assert got["orders"] == expected["orders"]
    assert got["fills"] == expected["fills"]
    assert got["kinds"] == expected["kinds"]
    assert got["records"] == expected["records"]  # every record: time, kind, payload
    assert (got["size"], got["root"]) == (expected["size"], expected["root"])
