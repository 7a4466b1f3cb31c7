"""Writes to the transactional store that wait while it is unreachable, then land in order.

``StoreWrites.run(what, write)`` first retries the backlog, then ``write``. A write that fails with
:class:`~optionswarm.storage.sql.StoreUnavailableError` (server down, connection refused or
dropped) joins the backlog and ``on_failure`` hears of it (the order manager feeds the
``storage_errors`` breaker, which halts new orders); the next ``run`` or ``flush`` after the
server returns writes the backlog first, so the store ends up with every write in its original
order and nothing held in memory is lost while the process lives. Every write given here must
be idempotent (an upsert, or an insert that skips known ids): a write whose commit was lost in
flight may have landed and is retried all the same. Any other error (a constraint, a bug) is
not a transient outage: that write is dropped from the backlog and the error propagates.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

import structlog

from optionswarm.storage.sql import StoreUnavailableError

__all__ = ["StoreWrites"]

_log = structlog.get_logger(__name__)


class StoreWrites:
    """An ordered backlog of store writes, retried before every new one (thread-safe)."""

    def __init__(
        self, name: str, on_failure: Callable[[str, StoreUnavailableError], None] | None = None
    ) -> None:
        self.name = name
        self.on_failure = on_failure
        self._backlog: deque[tuple[str, Callable[[], object]]] = deque()
        self._lock = threading.RLock()
        self.failures = 0
        self.last_error: str | None = None

    @property
    def pending(self) -> int:
        """Writes waiting for the store."""
        return len(self._backlog)

    @property
    def healthy(self) -> bool:
        """True when nothing waits for the store."""
        return not self._backlog

    def run(self, what: str, write: Callable[[], object]) -> bool:
        """Write the backlog, then ``write``; False (and kept for later) if the store is down."""
        with self._lock:
            self._backlog.append((what, write))
            return self.flush()

    def flush(self) -> bool:
        """Write the backlog in order; True when it is empty."""
        with self._lock:
            while self._backlog:
                what, write = self._backlog[0]
                try:
                    write()
                except StoreUnavailableError as error:
                    self._failed(what, error)
                    return False
                except Exception:  # not an outage: retrying cannot help, later writes go on
                    self._backlog.popleft()
                    _log.exception("store_write_refused", store=self.name, write=what)
                    raise
                self._backlog.popleft()
                if not self._backlog and self.last_error is not None:
                    _log.info("store_writes_recovered", store=self.name, wrote=what)
                    self.last_error = None
            return True

    def _failed(self, what: str, error: StoreUnavailableError) -> None:
        self.failures += 1
        self.last_error = str(error)
        _log.error(
            "store_write_failed",
            store=self.name,
            first_waiting=what,
            pending=self.pending,
            error=str(error),
        )
        if self.on_failure is not None:
            self.on_failure(what, error)
