"""``AnswerCache``: model answers keyed by sha256(model id + exact request), in one SQLite file.

A backtest that runs twice asks the model once: the second run reads every answer back, so
it is reproducible and cheap, and an audit can replay exactly what the model saw (the request
is stored beside the answer) and said. Only completed answers are stored — a timeout or an
unreachable server is not an answer. ``path=None`` keeps the cache in memory.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import msgspec

from optionswarm.llm.types import ChatRequest, Completion

__all__ = ["AnswerCache", "CachedExchange"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model_id TEXT NOT NULL,
    request TEXT NOT NULL,
    text TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL
)
"""


class CachedExchange(msgspec.Struct, frozen=True, kw_only=True):
    """One stored exchange, for audit replay: the request and the answer."""

    key: str
    model_id: str
    request: ChatRequest
    completion: Completion


class AnswerCache:
    """A thread-safe SQLite answer cache (see the module docstring)."""

    def __init__(self, path: str | Path | None = None) -> None:
        target = ":memory:"
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            target = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def get(self, request: ChatRequest, model_id: str) -> Completion | None:
        """The stored answer to ``request`` from ``model_id``, marked ``cached``, or None."""
        key = request.key(model_id)
        with self._lock:
            row = self._db.execute(
                "SELECT text, prompt_tokens, completion_tokens FROM answers WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        text, prompt_tokens, completion_tokens = row
        return Completion(
            text=text,
            model_id=model_id,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            elapsed_s=0.0,
            cached=True,
        )

    def put(self, request: ChatRequest, completion: Completion) -> None:
        """Store ``completion`` as the answer to ``request`` (first answer wins)."""
        key = request.key(completion.model_id)
        row = (
            key,
            completion.model_id,
            msgspec.json.encode(request).decode(),
            completion.text,
            completion.prompt_tokens,
            completion.completion_tokens,
        )
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO answers VALUES (?, ?, ?, ?, ?, ?)", row)

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM answers").fetchone()
        return int(count)

    def exchanges(self) -> Iterator[CachedExchange]:
        """Every stored exchange, in key order (what the model saw and said)."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM answers ORDER BY key").fetchall()
        for key, model_id, request, text, prompt_tokens, completion_tokens in rows:
            yield CachedExchange(
                key=key,
                model_id=model_id,
                request=msgspec.json.decode(request, type=ChatRequest),
                completion=Completion(
                    text=text,
                    model_id=model_id,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    elapsed_s=0.0,
                    cached=True,
                ),
            )

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
