"""``NodeThread``: every piece of a role's node work on one thread, in arrival order.

The node is single-threaded (as on the single-process run's event loop). NATS delivers sessions
on its dispatcher thread and service calls on responder threads; each hands its work here with
:meth:`NodeThread.call` and waits for the result, so the node sees one thing at a time.
"""

from __future__ import annotations

import asyncio
import inspect
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["NodeThread", "NodeThreadStoppedError"]

T = TypeVar("T")


class NodeThreadStoppedError(RuntimeError):
    """Work was handed to a node thread that has stopped."""


class NodeThread:
    """A work queue drained by the thread that calls :meth:`run` (see the module docstring)."""

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]] | None] = (
            queue.SimpleQueue()
        )
        self._ident: int | None = None
        self._stopped = threading.Event()

    def call(self, work: Callable[[], T]) -> T:
        """Run ``work`` on the node thread and return its result (a coroutine it returns is
        run to completion there); called on the node thread itself, runs it at once."""
        if threading.get_ident() == self._ident:
            result: T = _finish(work())
            return result
        if self._stopped.is_set():
            raise NodeThreadStoppedError("the node thread has stopped")
        future: Future[T] = Future()
        self._work.put((work, future))
        return future.result()

    def run(self, stop: threading.Event) -> None:
        """Drain the queue on this thread until ``stop`` is set (then fail what is left)."""
        self._ident = threading.get_ident()
        try:
            while not stop.is_set():
                try:
                    item = self._work.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is None:
                    continue
                work, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(_finish(work()))
                except BaseException as error:  # the caller gets it, the thread goes on
                    future.set_exception(error)
        finally:
            self._stopped.set()
            self._ident = None
            self._fail_pending()

    def wake(self) -> None:
        """Make :meth:`run` look at its stop event now."""
        self._work.put(None)

    def _fail_pending(self) -> None:
        while True:
            try:
                item = self._work.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                item[1].set_exception(NodeThreadStoppedError("the node thread has stopped"))


def _finish(result: Any) -> Any:
    return asyncio.run(result) if inspect.iscoroutine(result) else result
