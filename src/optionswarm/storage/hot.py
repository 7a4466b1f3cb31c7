"""Hot state: the latest quote per symbol and the latest chain per underlying.

``HotStore`` is the port; ``InProcessHotStore`` the embedded default (dicts behind a lock). A Redis
adapter joins later behind the same port and must pass ``tests/contract/test_hot_store.py``.

Rules every implementation keeps: a write older than what is stored (``ts_ns`` lower) is ignored
and returns False, so out-of-order delivery never rolls state back; an equal or newer write
replaces and returns True; reads return exactly what was written (chains compare ``equals``).
"""

from __future__ import annotations

import threading
from typing import Protocol, runtime_checkable

from optionswarm.model import ChainSnapshot, Quote

__all__ = ["HotStore", "InProcessHotStore"]


@runtime_checkable
class HotStore(Protocol):
    """Latest-value store for quotes and chains (see the module docstring)."""

    def put_quote(self, quote: Quote) -> bool:
        """Store a quote unless an newer one is held; True if stored."""
        ...

    def latest_quote(self, symbol: str) -> Quote | None:
        """The latest quote of ``symbol``, or None."""
        ...

    def put_chain(self, chain: ChainSnapshot) -> bool:
        """Store a chain unless a newer one of its underlying is held; True if stored."""
        ...

    def latest_chain(self, underlying: str) -> ChainSnapshot | None:
        """The latest chain of ``underlying``, or None."""
        ...

    def quote_symbols(self) -> list[str]:
        """Symbols with a stored quote, sorted."""
        ...

    def chain_underlyings(self) -> list[str]:
        """Underlyings with a stored chain, sorted."""
        ...

    def clear(self) -> None:
        """Forget everything."""
        ...


class InProcessHotStore:
    """The embedded ``HotStore``: two dicts and a lock (reads take no lock: dict get is atomic)."""

    def __init__(self) -> None:
        self._quotes: dict[str, Quote] = {}
        self._chains: dict[str, ChainSnapshot] = {}
        self._lock = threading.Lock()

    def put_quote(self, quote: Quote) -> bool:
        """See ``HotStore.put_quote``."""
        with self._lock:
            held = self._quotes.get(quote.symbol)
            if held is not None and held.ts_ns > quote.ts_ns:
                return False
            self._quotes[quote.symbol] = quote
            return True

    def latest_quote(self, symbol: str) -> Quote | None:
        """See ``HotStore.latest_quote``."""
        return self._quotes.get(symbol)

    def put_chain(self, chain: ChainSnapshot) -> bool:
        """See ``HotStore.put_chain``."""
        with self._lock:
            held = self._chains.get(chain.underlying)
            if held is not None and held.ts_ns > chain.ts_ns:
                return False
            self._chains[chain.underlying] = chain
            return True

    def latest_chain(self, underlying: str) -> ChainSnapshot | None:
        """See ``HotStore.latest_chain``."""
        return self._chains.get(underlying)

    def quote_symbols(self) -> list[str]:
        """See ``HotStore.quote_symbols``."""
        return sorted(self._quotes)

    def chain_underlyings(self) -> list[str]:
        """See ``HotStore.chain_underlyings``."""
        return sorted(self._chains)

    def clear(self) -> None:
        """See ``HotStore.clear``."""
        with self._lock:
            self._quotes.clear()
            self._chains.clear()
