"""Group commit: many producers' batches share one transaction, hashed while the last one flushes.

:meth:`AuditLog.append_many` hashes a batch, then waits for its commit (for ``synchronous=FULL``,
an fsync). :class:`GroupCommitWriter` moves commits to a writer thread: :meth:`submit` (thread
safe) hashes and chains the batch in the caller's thread and returns a future that resolves to
the receipts once a transaction holding it has committed. Whatever is waiting when the writer
is free -- up to ``max_coalesce`` batches -- goes into ONE transaction, so a thousand single-event
submits cost a handful of flushes, not a thousand. SQLite and psycopg release the GIL while they
write and flush, so hashing and flushing overlap. Batches commit strictly in submission order.

If a commit fails, that future and every later one fail without writing (a later batch must not
land after a missing one), :meth:`submit` raises, and :meth:`close` re-reads the log's tip from
the store.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from concurrent.futures import Future

from optionswarm.audit.log import AuditLog, EventLike, PreparedBatch
from optionswarm.audit.types import AuditReceipt

__all__ = ["AuditWriterError", "GroupCommitWriter"]

_Item = tuple[PreparedBatch, "Future[list[AuditReceipt]]"] | None


class AuditWriterError(RuntimeError):
    """An earlier commit failed; the writer accepts nothing until it is closed."""


class GroupCommitWriter:
    """Commits prepared batches of one :class:`AuditLog` from a background thread, in order."""

    def __init__(self, log: AuditLog, max_pending: int = 1024, max_coalesce: int = 1024) -> None:
        self._log = log
        self._max_coalesce = max_coalesce
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=max_pending)
        self._lock = threading.Lock()
        self._failure: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="audit-group-commit", daemon=True)
        self._thread.start()

    def submit(self, events: Iterable[EventLike]) -> Future[list[AuditReceipt]]:
        """Hash and chain ``events`` now; the future resolves once they are committed."""
        future: Future[list[AuditReceipt]] = Future()
        with self._lock:
            if self._closed:
                raise AuditWriterError("the writer is closed")
            if self._failure is not None:
                raise AuditWriterError("an earlier audit commit failed") from self._failure
            prepared = self._log.prepare(events)
            if prepared is None:
                future.set_result([])
                return future
            self._queue.put((prepared, future))
        return future

    def _run(self) -> None:
        stop = False
        while not stop:
            items: list[tuple[PreparedBatch, Future[list[AuditReceipt]]]] = []
            item = self._queue.get()
            while item is not None:
                items.append(item)
                if len(items) >= self._max_coalesce:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            stop = item is None
            self._commit(items)

    def _commit(self, items: list[tuple[PreparedBatch, Future[list[AuditReceipt]]]]) -> None:
        """One transaction for every batch waiting: that is the group commit."""
        if not items:
            return
        if self._failure is not None:
            for _, future in items:
                future.set_exception(AuditWriterError("an earlier audit commit failed"))
            return
        try:
            receipts = self._log.commit_many([p for p, _ in items], reload_on_error=False)
        except Exception as exc:  # every failure must reach the callers' futures
            self._failure = exc
            for _, future in items:
                future.set_exception(exc)
            return
        for (_, future), done in zip(items, receipts, strict=True):
            future.set_result(done)

    def close(self) -> None:
        """Wait for pending commits and stop the thread (re-reading the tip after a failure)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(None)
        self._thread.join()
        if self._failure is not None:
            self._log.reload()

    def __enter__(self) -> GroupCommitWriter:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
