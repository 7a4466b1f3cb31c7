"""The event-loop thread that owns the nats-py client, and a batching bridge into it.

nats-py is asyncio and not thread-safe; the bus port is synchronous and called from any thread.
``LoopThread`` runs one asyncio loop on a daemon thread: every nats-py call happens there.
``run`` executes a coroutine there and waits for its result (setup, requests, teardown);
``LoopBatcher`` carries hot-path items (publishes, acks) across in batches, waking the loop once
per batch instead of once per item, which keeps the bridge off the per-message cost.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["LoopBatcher", "LoopThread"]

T = TypeVar("T")
Item = TypeVar("Item")


class LoopThread:
    """An asyncio loop on its own daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.close()

    def in_loop(self) -> bool:
        """True when called from the loop's own thread (where blocking would deadlock)."""
        return threading.current_thread() is self._thread

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (never call from the loop itself)."""
        if self.in_loop():
            coro.close()
            raise RuntimeError("LoopThread.run called from the loop thread would deadlock")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        """Stop the loop and join its thread (pending tasks are cancelled)."""
        if not self._thread.is_alive():
            return

        def _cancel_and_stop() -> None:
            for task in asyncio.all_tasks(self.loop):
                task.cancel()
            self.loop.call_soon(self.loop.stop)

        self.loop.call_soon_threadsafe(_cancel_and_stop)
        self._thread.join(timeout=10)


class LoopBatcher(Generic[Item]):
    """Hand items from any thread to an async consumer on the loop, in order, in batches.

    ``submit`` appends and wakes the loop only if no drain is scheduled. The drain clears its
    flag before its final emptiness check, so an item appended concurrently is never stranded.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, consume: Callable[[Item], Awaitable[None]]
    ) -> None:
        self._loop = loop
        self._consume = consume
        self._items: collections.deque[Item] = collections.deque()
        self._scheduled = False  # written by any thread
        self._running = False  # loop thread only: one drain at a time keeps the order

    def submit(self, item: Item) -> None:
        """Queue ``item`` for the consumer."""
        self._items.append(item)
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon_threadsafe(self._start)

    async def wait_idle(self, timeout: float) -> None:
        """On the loop: wait until every submitted item has been consumed (or time runs out)."""
        deadline = self._loop.time() + timeout
        while (self._items or self._running) and self._loop.time() < deadline:
            await asyncio.sleep(0.001)

    def _start(self) -> None:
        if not self._running:
            self._running = True
            self._loop.create_task(self._drain())

    async def _drain(self) -> None:
        items = self._items
        try:
            while True:
                while items:
                    await self._consume(items.popleft())
                self._scheduled = False
                if not items:
                    return
                self._scheduled = True
        finally:
            self._running = False
