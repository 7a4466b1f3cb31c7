"""The multi-process node (role processes joined by NATS, state on PostgreSQL) makes the same
decisions, orders and fills, and writes the same audit log (same Merkle root), as the
single-process run on the same replay."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from optionswarm.bus.nats import NatsBus
from optionswarm.cluster.protocol import TradingStatus

from .conftest import optionswarm_command, wait_until
from .runs import PG_URL, SESSIONS, free_port, run_on_postgres, trading_status, write_config

pytestmark = [pytest.mark.service, pytest.mark.slow]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_reference_run_trades_and_is_refused_some_orders(single_run: dict[str, Any]) -> None:
    assert len(single_run["decisions"]) >= 5
    assert len(single_run["fills"]) >= 5
    assert "order.rejected" in single_run["kinds"]  # rejections travel back to the strategy too
    assert single_run["verified"]


def test_the_role_processes_reproduce_the_single_process_run(
    tmp_path: Path,
    nats_prefix: str,
    nats_client: NatsBus,
    roles: Any,
    single_run: dict[str, Any],
) -> None:
    state_dir = tmp_path / "cluster"
    port = free_port()
    config = write_config(
        tmp_path / "cluster.toml",
        state_dir=state_dir,
        prefix=nats_prefix,
        storage_url=PG_URL,
        api_port=port,
    )
    # all at once: the ingest role waits for the trading role, which asks the agents role
    trading, agents, ingest, api = (
        roles(r, config) for r in ("trading", "agents", "ingest", "api")
    )
    wait_until(lambda: trading_status(nats_client) is not None, 60, "the trading role")
    health = subprocess.run(
        [*optionswarm_command(), "health", "--role", "trading", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert health.returncode == 0, health.stderr
    assert json.loads(health.stdout)["role"] == "trading"
    last: list[TradingStatus | None] = [None]

    def finished() -> bool:
        last[0] = status = trading_status(nats_client)
        return status is not None and status.seq == SESSIONS

    wait_until(finished, 240, f"{SESSIONS} sessions played by the trading role")
    status = last[0]
    assert status is not None
    assert status.agent_failures == 0
    assert status.sessions_played == SESSIONS
    # the api role answers from the trading role's service core (no login: nothing audited)
    wait_until(lambda: _answers(f"http://127.0.0.1:{port}/health"), 30, "the api role")
    ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=10).json()
    assert ready["ready"]
    assert ready["components"]["replay"] == "finished"
    assert ready["components"]["order-manager"] == "running"
    for process in (api, ingest, agents, trading):
        process.signal(signal.SIGTERM)
    for process in (api, ingest, agents, trading):
        assert process.wait(60) == 0, process.output()[-3000:]

    got = run_on_postgres(state_dir, Path(status.run_dir))
    assert got["verified"]
    assert got["decisions"] == single_run["decisions"]
    assert got["orders"] == single_run["orders"]
    assert got["fills"] == single_run["fills"]
    assert got["stored_orders"] == single_run["stored_orders"]
    assert got["records"] == single_run["records"]  # every record: time, kind, payload
    assert (got["size"], got["root"]) == (single_run["size"], single_run["root"])
