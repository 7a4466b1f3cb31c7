"""Hot state on Redis: the ``HotStore`` port shared by every process of a scaled deployment.

Keys (``prefix`` keeps deployments and test runs apart; the ``{prefix}`` hash tag keeps one
deployment's keys in one Redis Cluster slot, so each write script stays atomic there too)::

    {osw}:quote:<symbol>        hash  ts -> 20-digit ts_ns, data -> MessagePack Quote
    {osw}:chain:<underlying>    hash  ts -> 20-digit ts_ns, data -> Arrow IPC ChainSnapshot
    {osw}:state:<name>          hash  ts, data -> MessagePack of any struct with ``ts_ns``
    {osw}:quotes / :chains      sets of symbols / underlyings held

Every write is one server-side script: compare the held time with the new one and write only if
the new one is not older, so concurrent writers from many processes never roll state back.
Times are compared as zero-padded decimal strings: Lua numbers are doubles and would round
nanosecond timestamps. Batches (``put_quotes``, ``latest_quotes``) go in one pipeline.

Redis down or the connection dropped: an operation raises ``redis.ConnectionError`` (naming the
server) once the client's retries are spent, and ``healthy()`` says False; nothing needs
reconnecting: the pool opens a fresh connection on the next operation once the server is back.
A dropped connection loses no acknowledged write (the server holds it); a restarted server keeps
what its own persistence saved, and the feed's next snapshot refreshes the rest (hot state only).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import msgspec
import pyarrow as pa
import redis

from optionswarm.model import ChainSnapshot, Quote

__all__ = ["RedisHotStore", "RedisHotStoreConfig"]

T = TypeVar("T")

_PUT_IF_NOT_OLDER = """
local held = redis.call('HGET', KEYS[1], 'ts')
if held and held > ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'data', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
"""


class RedisHotStoreConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where Redis is and which key prefix this deployment owns."""

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = "osw"
    socket_timeout_s: float = 2.0


def _ts(ts_ns: int) -> str:
    return f"{ts_ns:020d}"


class RedisHotStore:
    """``HotStore`` on Redis (see the module docstring); thread-safe (a connection pool)."""

    def __init__(self, config: RedisHotStoreConfig | None = None) -> None:
        self.config = cfg = config or RedisHotStoreConfig()
        if not cfg.prefix or any(c in cfg.prefix for c in "{}: *"):
            raise ValueError(f"prefix {cfg.prefix!r} must be non-empty without braces, ':' or '*'")
        self._redis: redis.Redis = redis.Redis.from_url(
            cfg.url,
            socket_timeout=cfg.socket_timeout_s,
            socket_connect_timeout=cfg.socket_timeout_s,
        )
        self._put = self._redis.register_script(_PUT_IF_NOT_OLDER)
        self._root = f"{{{cfg.prefix}}}"
        self._quotes_key = f"{self._root}:quotes"
        self._chains_key = f"{self._root}:chains"
        self._encoder = msgspec.msgpack.Encoder()
        self._quote_decoder = msgspec.msgpack.Decoder(Quote)

    def ping(self) -> bool:
        """True if the server answers (raises ``redis.ConnectionError`` if unreachable)."""
        return bool(self._redis.ping())

    def healthy(self) -> bool:
        """True if the server answers now; False (never an exception) if it does not."""
        try:
            return self.ping()
        except redis.RedisError:
            return False

    # -- quotes ----------------------------------------------------------------------------------

    def put_quote(self, quote: Quote) -> bool:
        """See ``HotStore.put_quote``."""
        return bool(self._put_args(self._redis, *self._quote_args(quote)))

    def put_quotes(self, quotes: Iterable[Quote]) -> list[bool]:
        """Store many quotes in one round trip; one result per quote, in order."""
        pipe = self._redis.pipeline(transaction=False)
        for quote in quotes:
            self._put_args(pipe, *self._quote_args(quote))
        return [bool(stored) for stored in pipe.execute()]

    def _quote_args(self, quote: Quote) -> tuple[str, str, int, bytes, str]:
        key = f"{self._root}:quote:{quote.symbol}"
        return key, self._quotes_key, quote.ts_ns, self._encoder.encode(quote), quote.symbol

    def _put_args(self, client: Any, key: str, index: str, *value: Any) -> Any:
        ts_ns, data, member = value  # the new time, its bytes, the index member
        return self._put(keys=[key, index], args=[_ts(ts_ns), data, member], client=client)

    def latest_quote(self, symbol: str) -> Quote | None:
        """See ``HotStore.latest_quote``."""
        data = self._redis.hget(f"{self._root}:quote:{symbol}", "data")
        return None if data is None else self._quote_decoder.decode(data)  # type: ignore[arg-type]

    def latest_quotes(self, symbols: Sequence[str]) -> list[Quote | None]:
        """The latest quote of each symbol (None where absent), in one round trip."""
        pipe = self._redis.pipeline(transaction=False)
        for symbol in symbols:
            pipe.hget(f"{self._root}:quote:{symbol}", "data")
        return [None if d is None else self._quote_decoder.decode(d) for d in pipe.execute()]

    def quote_symbols(self) -> list[str]:
        """See ``HotStore.quote_symbols``."""
        return sorted(m.decode() for m in self._redis.smembers(self._quotes_key))  # type: ignore[union-attr]

    # -- chains ----------------------------------------------------------------------------------

    def put_chain(self, chain: ChainSnapshot) -> bool:
        """See ``HotStore.put_chain``."""
        key = f"{self._root}:chain:{chain.underlying}"
        data = _chain_bytes(chain)
        return bool(
            self._put_args(self._redis, key, self._chains_key, chain.ts_ns, data, chain.underlying)
        )

    def latest_chain(self, underlying: str) -> ChainSnapshot | None:
        """See ``HotStore.latest_chain``."""
        data = self._redis.hget(f"{self._root}:chain:{underlying}", "data")
        return None if data is None else _chain_from_bytes(data)  # type: ignore[arg-type]

    def chain_underlyings(self) -> list[str]:
        """See ``HotStore.chain_underlyings``."""
        return sorted(m.decode() for m in self._redis.smembers(self._chains_key))  # type: ignore[union-attr]

    # -- other latest-value state (e.g. the portfolio snapshot) ----------------------------------

    def put_state(self, name: str, value: Any) -> bool:
        """Store a struct with a ``ts_ns`` field under ``name`` unless a newer one is held."""
        key = f"{self._root}:state:{name}"
        data = self._encoder.encode(value)
        return bool(
            self._put_args(self._redis, key, f"{self._root}:states", value.ts_ns, data, name)
        )

    def latest_state(self, name: str, value_type: type[T]) -> T | None:
        """The latest value stored under ``name``, decoded (and validated) as ``value_type``."""
        data = self._redis.hget(f"{self._root}:state:{name}", "data")
        if data is None:
            return None
        decoded: T = msgspec.msgpack.decode(data, type=value_type)  # type: ignore[arg-type]
        return decoded

    # -- housekeeping ----------------------------------------------------------------------------

    def clear(self) -> None:
        """Delete every key of this prefix (``SCAN`` + ``UNLINK``, never ``FLUSHDB``)."""
        batch: list[Any] = []
        for key in self._redis.scan_iter(match=f"{self._root}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                self._redis.unlink(*batch)
                batch = []
        if batch:
            self._redis.unlink(*batch)

    def close(self) -> None:
        """Release the connection pool."""
        self._redis.close()


def _chain_bytes(chain: ChainSnapshot) -> bytes:
    table = chain.to_arrow()
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _chain_from_bytes(data: bytes) -> ChainSnapshot:
    with pa.ipc.open_stream(pa.py_buffer(data)) as reader:
        return ChainSnapshot.from_arrow(reader.read_all())
