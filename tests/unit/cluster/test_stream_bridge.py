"""The stream across processes on the in-process bus: a trading hub's events reach the api
role's stream clients in order, as they were; slow clients lose their oldest."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from optionswarm.bus import InProcessBus
from optionswarm.cluster.stream_bridge import STREAM, StreamBridge, StreamPublisher
from optionswarm.service.hub import EventHub

T = TypeVar("T")


class Node:
    """A hub on a 'node thread' modelled by a lock: the hub is only touched holding it."""

    def __init__(self) -> None:
        self.bus = InProcessBus()
        self.hub = EventHub(self.bus)
        self.lock = threading.Lock()

    def run(self, fn: Callable[[], T]) -> T:
        with self.lock:
            return fn()

    def emit(self, kind: str, data: dict[str, Any], ts_ns: int = 1) -> dict[str, Any]:
        return self.run(lambda: self.hub.emit(kind, data, ts_ns))


async def _take(queue: asyncio.Queue[Any], count: int) -> list[Any]:
    return [await asyncio.wait_for(queue.get(), timeout=5) for _ in range(count)]


def test_trading_hub_events_reach_api_role_clients_in_order_as_they_were() -> None:
    node, wire = Node(), InProcessBus()
    publisher = StreamPublisher(node.hub, wire, node.run, interval_s=0.005)
    bridge = StreamBridge(wire)
    bridge.start()
    node.run(publisher.start)
    early = node.emit("state", {"trading_state": "active"})
    before = 0

    async def client() -> list[Any]:
        nonlocal before
        while not bridge.recent:  # before anyone subscribed: kept in ``recent`` only
            await asyncio.sleep(0.005)
        before = bridge.published
        queue = bridge.subscribe(100)
        sent = [node.emit("order", {"n": n, "nested": {"legs": [n, -n]}}, 10 + n) for n in range(5)]
        got = await _take(queue, 5)
        assert got == sent
        assert bridge.subscribers == 1
        bridge.unsubscribe(queue)
        return got

    got = asyncio.run(client())
    assert bridge.recent[0] == early
    assert before == 1
    assert [m["seq"] for m in got] == [2, 3, 4, 5, 6]
    assert publisher.frames >= 2
    node.run(publisher.stop)
    assert node.run(lambda: node.hub.subscribers) == 0
    bridge.stop()
    node.emit("state", {"after": True})
    assert publisher.forward() == 0  # stopped: nothing drained, nothing sent


def test_a_burst_travels_in_frames_and_a_slow_client_loses_its_oldest() -> None:
    node, wire = Node(), InProcessBus()
    frames: list[int] = []
    wire.subscribe(STREAM, lambda frame: frames.append(len(frame.events)))
    publisher = StreamPublisher(node.hub, wire, node.run, batch=4)
    bridge = StreamBridge(wire)
    bridge.start()
    node.run(lambda: publisher.start(thread=False))  # forwarded by hand below

    async def slow_client() -> list[Any]:
        queue = bridge.subscribe(3)
        for n in range(10):
            node.emit("quote", {"n": n})
        assert publisher.forward() == 10
        await asyncio.sleep(0.05)  # the fan-out runs on this loop
        return [queue.get_nowait() for _ in range(queue.qsize())]

    kept = asyncio.run(slow_client())
    assert frames == [4, 4, 2]
    assert [m["data"]["n"] for m in kept] == [7, 8, 9]
    assert bridge.dropped == 7
    assert bridge.queue_depths() == [0]
