"""SIGKILL one role of the multi-process node mid-replay, then start it again.

In every case trading is safe while the role is gone (no feed: nothing moves; no agents: the
strategy abstains, nothing new is ordered; no trading role: the ingest role holds at its barrier),
nothing acknowledged is lost or played twice (each session once; order ids unique; the audit log
verifies), and the node recovers by itself once the role is back.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus
from optionswarm.cluster.protocol import (
    REPLAY_CONTROL,
    Ping,
    ReplayCommand,
    TradingStatus,
    health_topic,
)

from .conftest import wait_until
from .runs import PG_URL, SESSIONS, run_on_postgres, trading_status, write_config

pytestmark = [pytest.mark.service, pytest.mark.slow]


def status_of(client: NatsBus) -> TradingStatus:
    status = trading_status(client)
    assert status is not None, "the trading role does not answer"
    return status


def replay(client: NatsBus, action: str) -> None:
    """Pause or resume the ingest role's replay (as the API's replay controls do)."""
    client.request(REPLAY_CONTROL, ReplayCommand(action=action))


def pong(client: NatsBus, role: str) -> bool:
    try:
        return client.request(health_topic(role), Ping()).role == role
    except BusError:
        return False


def reached(client: NatsBus, seq: int) -> bool:
    status = trading_status(client)
    return status is not None and status.seq >= seq


def test_killed_agents_and_ingest_roles_come_back_and_nothing_is_played_twice(
    tmp_path: Path, nats_prefix: str, nats_client: NatsBus, roles: Any
) -> None:
    state_dir = tmp_path / "state"
    config = write_config(
        tmp_path / "c.toml", state_dir=state_dir, prefix=nats_prefix, storage_url=PG_URL, speed=4.0
    )
    trading = roles("trading", config)
    agents = roles("agents", config)
    wait_until(lambda: trading_status(nats_client) is not None, 60, "the trading role")
    ingest = roles("ingest", config)
    wait_until(lambda: reached(nats_client, 4), 60, "four sessions")

    agents.signal(signal.SIGKILL)  # -- the strategy's process dies
    wait_until(lambda: status_of(nats_client).agent_failures >= 1, 30, "a step without agents")
    assert trading.alive()  # the node carries on: the strategy abstains
    replay(nats_client, "pause")  # keep sessions for the agents to come back to
    without = status_of(nats_client)
    agents = roles("agents", config)
    wait_until(lambda: pong(nats_client, "agents"), 60, "the agents role's health answer")
    replay(nats_client, "resume")
    wait_until(
        lambda: status_of(nats_client).agent_steps > without.agent_steps, 60, "the agents back"
    )

    ingest.signal(signal.SIGKILL)  # -- the feed dies
    time.sleep(1.0)  # a session it had already sent may still be played
    stalled = status_of(nats_client).seq
    time.sleep(1.5)
    assert status_of(nats_client).seq == stalled  # no feed, nothing moves
    assert stalled < SESSIONS
    ingest = roles("ingest", config)
    wait_until(lambda: reached(nats_client, SESSIONS), 120, "the replay's end")

    final = status_of(nats_client)
    assert final.seq == final.sessions_played == SESSIONS  # every session once
    for process in (ingest, agents, trading):
        process.signal(signal.SIGTERM)
    for process in (ingest, agents, trading):
        assert process.wait(60) == 0, process.output()[-3000:]
    got = run_on_postgres(state_dir, Path(final.run_dir))
    assert got["verified"]
    ids = [order["client_order_id"] for order in got["orders"]]
    assert len(ids) == len(set(ids)) > 0  # a restarted strategy never reuses an order id
    assert sorted(ids) == got["stored_orders"]  # every stored order was audited, and only those


def test_a_killed_trading_role_holds_the_feed_and_its_successor_replays_a_new_run(
    tmp_path: Path,
    nats_prefix: str,
    nats_client: NatsBus,
    roles: Any,
    single_run: dict[str, Any],
) -> None:
    state_dir = tmp_path / "state"
    config = write_config(
        tmp_path / "c.toml", state_dir=state_dir, prefix=nats_prefix, storage_url=PG_URL, speed=8.0
    )
    trading = roles("trading", config)
    agents = roles("agents", config)
    wait_until(lambda: trading_status(nats_client) is not None, 60, "the trading role")
    ingest = roles("ingest", config)
    wait_until(lambda: reached(nats_client, 6), 60, "six sessions")
    first = status_of(nats_client)

    trading.signal(signal.SIGKILL)  # -- the node dies mid-replay
    assert trading.wait(10) == -signal.SIGKILL
    time.sleep(1.5)
    assert ingest.alive()
    assert agents.alive()  # both wait for a trading role
    killed = run_on_postgres(state_dir, Path(first.run_dir))
    assert killed["verified"]  # what the dead node acknowledged is intact and verifies
    audited = sorted(order["client_order_id"] for order in killed["orders"])
    assert audited == killed["stored_orders"]

    trading = roles("trading", config)  # a new run: ingest and agents follow it from its start

    def new_run_finished() -> bool:
        status = trading_status(nats_client)
        return status is not None and status.run != first.run and status.seq == SESSIONS

    wait_until(new_run_finished, 180, "the new run's end")
    final = status_of(nats_client)
    assert final.sessions_played == SESSIONS
    for process in (ingest, agents, trading):
        process.signal(signal.SIGTERM)
    for process in (ingest, agents, trading):
        assert process.wait(60) == 0, process.output()[-3000:]
    got = run_on_postgres(state_dir, Path(final.run_dir))
    assert got["records"] == single_run["records"]  # recovered: exactly a fresh run
    assert got["root"] == single_run["root"]
