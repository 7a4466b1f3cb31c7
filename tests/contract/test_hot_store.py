"""The HotStore contract: every implementation (in-process now, Redis later) must pass all of it.

To add an implementation, add a factory to ``HOT_STORE_FACTORIES`` (a Redis one is marked
``service`` and skips only when the server is unreachable).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from optionswarm.model import ChainSnapshot, Quote
from optionswarm.storage.hot import HotStore, InProcessHotStore


def _redis_store() -> HotStore:
    import redis

    from optionswarm.storage.redis_hot import RedisHotStore, RedisHotStoreConfig

    made = RedisHotStore(RedisHotStoreConfig(prefix=f"test-{secrets.token_hex(4)}"))
    try:
        made.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis unreachable on 127.0.0.1:6379: {error}")
    return made


HOT_STORE_FACTORIES: dict[str, Callable[[], HotStore]] = {
    "in_process": InProcessHotStore,
    "redis": _redis_store,
}
_SERVICES = {"redis"}


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.service] if name in _SERVICES else [])
        for name in sorted(HOT_STORE_FACTORIES)
    ]
)
def store(request: pytest.FixtureRequest) -> Iterator[HotStore]:
    made = HOT_STORE_FACTORIES[request.param]()
    made.clear()
    yield made
    made.clear()


def _quote(symbol: str, ts_ns: int, bid: float = 1.0) -> Quote:
    return Quote(symbol=symbol, ts_ns=ts_ns, bid=bid, ask=bid + 0.1, bid_size=3, ask_size=4)


def _chain(underlying: str, ts_ns: int, spot: float = 100.0) -> ChainSnapshot:
    strikes = np.array([95.0, 100.0, 105.0, 95.0, 100.0, 105.0])
    return ChainSnapshot.from_arrays(
        underlying=underlying,
        ts_ns=ts_ns,
        spot=spot,
        root="SPXW",
        expiry_ns=np.full(6, ts_ns + 86_400 * 10**9 * 7),
        strike=strikes,
        is_call=np.array([True] * 3 + [False] * 3),
        bid=np.array([6.0, 2.5, 0.5, 0.4, 2.4, 5.9]),
        ask=np.array([6.2, 2.7, 0.6, 0.5, 2.6, 6.1]),
        iv=np.array([0.2, 0.19, 0.18, 0.22, 0.2, 0.19]),
        modelled=True,
        source="test",
    )


def test_empty_store_returns_none(store: HotStore) -> None:
    assert isinstance(store, HotStore)
    assert store.latest_quote("SPXW  180216C02700000") is None
    assert store.latest_chain("SPX") is None
    assert store.quote_symbols() == []
    assert store.chain_underlyings() == []


def test_latest_quote_is_what_was_written(store: HotStore) -> None:
    quote = _quote("SPXW  180216C02700000", 10)
    assert store.put_quote(quote)
    assert store.latest_quote(quote.symbol) == quote
    assert store.quote_symbols() == [quote.symbol]


def test_older_quote_never_replaces_a_newer_one(store: HotStore) -> None:
    assert store.put_quote(_quote("A", 20, bid=2.0))
    assert not store.put_quote(_quote("A", 10, bid=1.0))
    held = store.latest_quote("A")
    assert held is not None
    assert held.ts_ns == 20
    assert store.put_quote(_quote("A", 20, bid=3.0))  # same time: the later write wins
    held = store.latest_quote("A")
    assert held is not None
    assert held.bid == pytest.approx(3.0)


def test_chains_round_trip_per_underlying(store: HotStore) -> None:
    spx, ndx = _chain("SPX", 100), _chain("NDX", 50, spot=200.0)
    assert store.put_chain(spx)
    assert store.put_chain(ndx)
    held = store.latest_chain("SPX")
    assert held is not None
    assert held.equals(spx)
    assert store.chain_underlyings() == ["NDX", "SPX"]
    assert not store.put_chain(_chain("SPX", 99))
    again = store.latest_chain("SPX")
    assert again is not None
    assert again.ts_ns == 100


def test_clear_forgets_everything(store: HotStore) -> None:
    store.put_quote(_quote("A", 1))
    store.put_chain(_chain("SPX", 1))
    store.clear()
    assert store.latest_quote("A") is None
    assert store.latest_chain("SPX") is None
