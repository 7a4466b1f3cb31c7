"""Redis goes away and comes back (a proxy in front of 127.0.0.1:6379 stops and starts).

While it is down the hot store raises ``redis.ConnectionError`` naming the server and reports
itself unhealthy; once it is back the next operation simply works (no reconnect call), and every
write acknowledged before the outage reads back unchanged.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest
import redis

from optionswarm.model import Quote
from optionswarm.storage.redis_hot import RedisHotStore, RedisHotStoreConfig

pytestmark = pytest.mark.service


class TcpProxyLike(Protocol):
    """The conftest's ``TcpProxy`` (conftest modules are not importable)."""

    port: int

    def stop(self) -> None: ...
    def start(self) -> None: ...
    def cut(self) -> None: ...


@pytest.fixture
def hot(proxy: Callable[[int], TcpProxyLike]) -> Iterator[tuple[TcpProxyLike, RedisHotStore]]:
    """A hot store reaching Redis through a proxy, under its own key prefix."""
    try:
        redis.Redis(socket_connect_timeout=1).ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable on 127.0.0.1:6379: {error}")
    p = proxy(6379)
    config = RedisHotStoreConfig(
        url=f"redis://127.0.0.1:{p.port}/0",
        prefix=f"fault{secrets.token_hex(4)}",
        socket_timeout_s=1.0,
    )
    store = RedisHotStore(config)
    try:
        yield p, store
    finally:
        store.clear()
        store.close()


def _quote(symbol: str, ts_ns: int, bid: float) -> Quote:
    return Quote(symbol=symbol, ts_ns=ts_ns, bid=bid, ask=bid + 0.1, bid_size=1, ask_size=1)


def test_redis_down_is_a_clear_error_and_the_next_operation_after_it_works(
    hot: tuple[TcpProxyLike, RedisHotStore],
) -> None:
    proxy, store = hot
    acknowledged = [_quote("SPY", 1, 470.0), _quote("QQQ", 1, 400.0)]
    assert store.put_quotes(acknowledged) == [True, True]
    assert store.healthy()

    proxy.stop()
    started = time.monotonic()
    assert not store.healthy()
    with pytest.raises(redis.ConnectionError, match=rf"127\.0\.0\.1:{proxy.port}"):
        store.put_quote(_quote("SPY", 2, 471.0))
    with pytest.raises(redis.ConnectionError):
        store.latest_quote("SPY")
    assert time.monotonic() - started < 15

    proxy.start()
    assert store.latest_quotes(["SPY", "QQQ"]) == acknowledged  # nothing acknowledged is lost
    assert store.put_quote(_quote("SPY", 3, 472.0))
    latest = store.latest_quote("SPY")
    assert latest is not None
    assert latest.ts_ns == 3
    assert store.healthy()


def test_a_dropped_connection_is_replaced_without_an_error(
    hot: tuple[TcpProxyLike, RedisHotStore],
) -> None:
    proxy, store = hot
    assert store.put_quote(_quote("SPY", 1, 470.0))
    proxy.cut()  # like CLIENT KILL: the server is up, the pooled connection is gone
    assert store.put_quote(_quote("SPY", 2, 471.0))
    latest = store.latest_quote("SPY")
    assert latest is not None
    assert latest.ts_ns == 2
