"""Fault: the NATS server is killed (SIGKILL) and restarted mid-stream.

The test runs its own ``nats-server`` (JetStream, store in a temporary directory, a free port).
While a publisher bus streams numbered messages and a subscriber bus on another durable consumer
handles them, the server is killed and started again on the same store. Both buses reconnect;
every message whose publish was acknowledged — in fact every message published, since
unacknowledged ones are resent with the same id — is handled exactly once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from optionswarm.bus import Topic
from optionswarm.bus.nats import NatsBus, NatsBusConfig

pytestmark = [pytest.mark.service, pytest.mark.slow]


class Numbered(msgspec.Struct, frozen=True, kw_only=True):
    seq: int


STREAM = Topic("fault.numbers", Numbered)


def _wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_kill_and_restart_mid_stream_loses_and_duplicates_nothing(private_nats: Any) -> None:
    server = private_nats

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
