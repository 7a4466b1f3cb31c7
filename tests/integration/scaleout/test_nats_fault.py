"""Fault: the NATS server is killed (SIGKILL) and restarted mid-stream.

The test runs its own ``nats-server`` (JetStream, store in a temporary directory, a free port).
While a publisher bus streams numbered messages and a subscriber bus on another durable consumer
handles them, the server is killed and started again on the same store. Both buses reconnect;
every message whose publish was acknowledged — in fact every message published, since
unacknowledged ones are resent with the same id — is handled exactly once.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import pytest

from optionswarm.bus import Topic
from optionswarm.bus.nats import NatsBus, NatsBusConfig

pytestmark = [pytest.mark.service, pytest.mark.slow]

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


class Numbered(msgspec.Struct, frozen=True, kw_only=True):
    seq: int


STREAM = Topic("fault.numbers", Numbered)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


class NatsServer:
    """One nats-server process with JetStream on a fixed port and store directory."""

    def __init__(self, port: int, store: Path) -> None:
        self.port, self.store = port, store
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(self._accepts, 10, "nats-server did not start")

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[NatsServer]:
    if not Path(NATS_SERVER).exists():
        pytest.skip("nats-server binary not installed")
    made = NatsServer(_free_port(), tmp_path / "js")
    made.start()
    yield made
    made.kill()


def test_kill_and_restart_mid_stream_loses_and_duplicates_nothing(server: NatsServer) -> None:
    def config(consumer: str) -> NatsBusConfig:
        return NatsBusConfig(
            servers=(f"nats://127.0.0.1:{server.port}",),
            prefix="fault",
            consumer=consumer,
            ack_timeout_s=0.5,
            ack_wait_s=1.0,
            reconnect_wait_s=0.1,
            give_up_s=30.0,
        )

    publisher, subscriber = NatsBus(config("ingest")), NatsBus(config("risk"))
    handled: list[int] = []
    subscriber.subscribe(STREAM, lambda m: handled.append(m.seq))
    total, kill_at = 400, 150
    killed = threading.Event()

    def killer() -> None:
        _wait_until(lambda: len(handled) >= kill_at // 2, 20, "no traffic before the kill")
        server.kill()
        killed.set()
        time.sleep(0.5)
        server.start()

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        for seq in range(total):
            publisher.publish(STREAM, Numbered(seq=seq))
            if seq == kill_at:
                assert killed.wait(20), "the server was not killed mid-stream"
            time.sleep(0.001)
        thread.join(timeout=30)
        publisher.flush(timeout=30)
        _wait_until(lambda: len(handled) >= total, 30, f"only {len(handled)} of {total} handled")
        time.sleep(1.5)  # longer than ack_wait: any redelivery would have arrived by now
        assert sorted(handled) == list(range(total))  # nothing lost, nothing handled twice
        assert publisher.transport_stats().reconnects >= 1
        assert subscriber.transport_stats().reconnects >= 1
        assert publisher.transport_stats().publish_failures == 0
    finally:
        publisher.close()
        subscriber.close()
