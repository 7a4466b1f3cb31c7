"""Test and benchmark helpers: real S&P 500 sessions with modelled chains, cached per window."""

from __future__ import annotations

import datetime as dt
import functools

from optionswarm.data import ArchDataSource, ModelledChainBuilder
from optionswarm.data.calendar import NEW_YORK
from optionswarm.model import Bar, ChainSnapshot

__all__ = ["Session", "chain_builder", "real_sessions"]

Session = tuple[Bar, ChainSnapshot | None]


@functools.cache
def chain_builder() -> ModelledChainBuilder:
    """One shared builder (its GARCH fit per underlying is the costly part)."""
    return ModelledChainBuilder(ArchDataSource())


@functools.lru_cache(maxsize=8)
def real_sessions(
    start: dt.date, end: dt.date, chains_from: dt.date | None = None, underlying: str = "sp500"
) -> tuple[Session, ...]:
    """Real daily bars of ``underlying`` in ``[start, end]``, each with its modelled chain from
    ``chains_from`` on (None before it; no chains at all when ``chains_from`` is None)."""
    builder = chain_builder()
    bars = ArchDataSource().bars(underlying, start, end).to_bars()
    out: list[Session] = []
    for bar in bars:
        day = dt.datetime.fromtimestamp(bar.ts_ns / 1e9, tz=NEW_YORK).date()
        chain = None
        if chains_from is not None and day >= chains_from:
            chain = builder.chain_on(underlying, day)
        out.append((bar, chain))
    return tuple(out)
