"""Kill (SIGKILL) each role of the multi-process node mid-replay, and its ``nats-server``.

One node on its own ``nats-server`` (JetStream store in a temporary directory) meets, in turn:
the agents role killed (the strategy abstains, nothing new is ordered; a new agents process warms
up to where the node is and carries on the order numbering), the ingest role killed (nothing
moves; its successor resumes after the node's last session), the NATS server killed and started
again (every role reconnects by itself), and the trading role killed (the feed holds at its
barrier; what the dead node acknowledged is intact and verifies; its successor starts a new run
that the others follow from its start, and that run equals a fresh single-process run record for
record). Throughout, each session is played once and no order id is used twice.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest

from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus, NatsBusConfig
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


class Node:
    """What the test asks the running node over NATS."""

    def __init__(self, client: NatsBus) -> None:
        self.client = client

    def status(self) -> TradingStatus:
        status = trading_status(self.client)
        assert status is not None, "the trading role does not answer"
        return status

    def seq(self) -> int:
        status = trading_status(self.client)
        return -1 if status is None else status.seq

    def failures(self) -> int:
        """How often the strategy could not be asked (-1 while the node is busy or away)."""
        status = trading_status(self.client)
        return -1 if status is None else status.agent_failures

    def replay(self, action: str) -> bool:
        """Pause or resume the ingest role's replay (as the API's replay controls do)."""
        try:
            self.client.request(REPLAY_CONTROL, ReplayCommand(action=action))
        except BusError:
            return False
        return True

    def answers(self, role: str) -> bool:
        try:
            return self.client.request(health_topic(role), Ping()).role == role
        except BusError:
            return False

    def advance(self, sessions: int, what: str) -> None:
        """Let the replay run ``sessions`` more sessions, then pause it."""
        target = self.seq() + sessions
        wait_until(lambda: self.replay("resume"), 30, "the replay to resume")
        wait_until(lambda: self.seq() >= target, 60, what)
        wait_until(lambda: self.replay("pause"), 30, "the replay to pause")


def test_any_role_or_the_bus_can_die_mid_replay_and_the_node_recovers(
    tmp_path: Path, private_nats: Any, roles: Any, single_run: dict[str, Any]
) -> None:
    server = private_nats  # a nats-server of this test alone: it is killed mid-replay
    url = server.url
    state_dir = tmp_path / "state"
    config = write_config(
        tmp_path / "c.toml",
        state_dir=state_dir,
        prefix="faults",
        storage_url=PG_URL,
        speed=10.0,
        nats_url=url,
    )
    client = NatsBus(
        NatsBusConfig(servers=(url,), prefix="faults", consumer="test", request_timeout_s=2.0)
    )
    node = Node(client)
    try:
        trading, agents, ingest = (roles(r, config) for r in ("trading", "agents", "ingest"))
        wait_until(lambda: node.seq() >= 3, 90, "three sessions")
        node.replay("pause")

        # -- the agents role dies: the node carries on, the strategy abstains
        agents.signal(signal.SIGKILL)
        node.replay("resume")
        wait_until(lambda: node.failures() >= 1, 60, "a session without agents")
        node.replay("pause")
        assert trading.alive()
        without = node.status()
        agents = roles("agents", config)
        wait_until(lambda: node.answers("agents"), 90, "the new agents role")
        node.advance(2, "two sessions with the new agents role")
        assert node.status().agent_steps > without.agent_steps

        # -- the ingest role dies: nothing moves until its successor resumes the replay
        node.replay("resume")
        ingest.signal(signal.SIGKILL)
        time.sleep(1.0)  # a session it had already sent may still be played
        stalled = node.seq()
        time.sleep(1.5)
        assert node.seq() == stalled < SESSIONS
        ingest = roles("ingest", config)
        wait_until(lambda: node.seq() > stalled, 60, "the replay to go on")
        node.replay("pause")

        # -- the NATS server dies mid-stream and comes back: every role reconnects by itself
        before = node.seq()
        node.replay("resume")
        server.kill()
        time.sleep(2.0)
        assert all(p.alive() for p in (trading, agents, ingest))
        server.start()
        wait_until(lambda: node.seq() > before + 1, 90, "sessions after the outage")
        node.replay("pause")

        first = node.status()
        assert first.sessions_played == first.seq  # so far, each session once

        # -- the trading role dies: the feed holds; a new trading role starts a new run
        trading.signal(signal.SIGKILL)
        assert trading.wait(10) == -signal.SIGKILL
        time.sleep(1.5)
        assert ingest.alive()
        assert agents.alive()
        killed = run_on_postgres(state_dir, Path(first.run_dir))
        assert killed["verified"]  # what the dead node acknowledged is intact and verifies
        ids = [order["client_order_id"] for order in killed["orders"]]
        assert len(ids) == len(set(ids)) > 0  # a restarted strategy never reuses an order id
        assert sorted(ids) == killed["stored_orders"]  # every stored order audited, only those

        trading = roles("trading", config)

        def new_run_finished() -> bool:
            status = trading_status(client)
            return status is not None and status.run != first.run and status.seq == SESSIONS

        wait_until(new_run_finished, 180, "the new run's end")
        final = node.status()
        assert final.sessions_played == SESSIONS
        for process in (ingest, agents, trading):
            process.signal(signal.SIGTERM)
        for process in (ingest, agents, trading):
            assert process.wait(60) == 0, process.output()[-3000:]
    finally:
        client.close()
    got = run_on_postgres(state_dir, Path(final.run_dir))
    assert got["records"] == single_run["records"]  # recovered: exactly a fresh run
    assert got["root"] == single_run["root"]
