"""RedisHotStore beyond the HotStore contract, against the real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator

import msgspec
import pytest
import redis

from optionswarm.model import Quote
from optionswarm.storage.redis_hot import RedisHotStore, RedisHotStoreConfig

pytestmark = pytest.mark.service

NOW_NS = 1_764_000_000_123_456_789  # beyond 2**53: Lua doubles could not tell 1 ns apart


class Book(msgspec.Struct, frozen=True, kw_only=True):
    ts_ns: int
    equity: float


@pytest.fixture
def store() -> Iterator[RedisHotStore]:
    made = RedisHotStore(RedisHotStoreConfig(prefix=f"test-{secrets.token_hex(4)}"))
    try:
        made.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis unreachable: {error}")
    yield made
    made.clear()
    made.close()


def _quote(symbol: str, ts_ns: int, bid: float = 1.0) -> Quote:
    return Quote(symbol=symbol, ts_ns=ts_ns, bid=bid, ask=bid + 0.1, bid_size=1, ask_size=2)


def test_one_nanosecond_older_write_is_refused(store: RedisHotStore) -> None:
    assert store.put_quote(_quote("A", NOW_NS, bid=2.0))
    assert not store.put_quote(_quote("A", NOW_NS - 1, bid=1.0))
    held = store.latest_quote("A")
    assert held is not None
    assert held.bid == pytest.approx(2.0)


def test_pipelined_batches_keep_per_quote_results_and_order(store: RedisHotStore) -> None:
    quotes = [_quote(f"S{i}", NOW_NS + i) for i in range(200)]
    assert store.put_quotes(quotes) == [True] * 200
    assert store.put_quotes([_quote("S0", NOW_NS - 5), _quote("S1", NOW_NS + 9)]) == [False, True]
    got = store.latest_quotes(["S5", "missing", "S199"])
    assert got == [quotes[5], None, quotes[199]]
    assert len(store.quote_symbols()) == 200


def test_concurrent_writers_never_roll_state_back(store: RedisHotStore) -> None:
    def writer(offset: int) -> None:
        for step in range(100):
            store.put_quote(_quote("HOT", NOW_NS + step * 4 + offset, bid=float(step)))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    held = store.latest_quote("HOT")
    assert held is not None
    assert held.ts_ns == NOW_NS + 99 * 4 + 3


def test_portfolio_state_keeps_the_newest_snapshot(store: RedisHotStore) -> None:
    assert store.latest_state("portfolio", Book) is None
    assert store.put_state("portfolio", Book(ts_ns=NOW_NS, equity=1.0e6))
    assert not store.put_state("portfolio", Book(ts_ns=NOW_NS - 1, equity=5.0))
    assert store.latest_state("portfolio", Book) == Book(ts_ns=NOW_NS, equity=1.0e6)


def test_clear_touches_only_its_own_prefix(store: RedisHotStore) -> None:
    neighbour = RedisHotStore(RedisHotStoreConfig(prefix=f"test-{secrets.token_hex(4)}"))
    try:
        neighbour.put_quote(_quote("N", NOW_NS))
        store.put_quote(_quote("A", NOW_NS))
        store.clear()
        assert store.latest_quote("A") is None
        assert neighbour.latest_quote("N") == _quote("N", NOW_NS)
    finally:
        neighbour.clear()
        neighbour.close()


def test_prefix_that_would_break_the_key_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="prefix"):
        RedisHotStore(RedisHotStoreConfig(prefix="a:b"))
