"""Option contracts held by the engine: OSI symbol <-> chain row, looked up without string scans."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import msgspec
import numpy as np

from optionswarm.model import CASH_SETTLED_INDEX_ROOTS as _INDEX_ROOTS
from optionswarm.model import (
    NS_PER_DAY,
    ChainSnapshot,
    OccSymbol,
    OptionRight,
    SettlementStyle,
    expiry_date_of,
    expiry_instant_ns,
)

__all__ = ["ContractTerms", "contract_symbol", "find_row", "is_option_symbol", "parse_contract"]

_EPOCH = dt.date(1970, 1, 1)


class ContractTerms(msgspec.Struct, frozen=True, kw_only=True):
    """What the engine needs about one option: strike, right, expiry instant and root."""

    symbol: str
    root: str
    strike: float
    is_call: bool
    expiry_ns: int  # settlement instant (AM roots settle on the open, PM on the close)
    expiry_day: int  # days since 1970-01-01 of the expiry date

    @property
    def am_settled(self) -> bool:
        """True for AM (opening-quotation) settlement."""
        return _INDEX_ROOTS.get(self.root) is SettlementStyle.AM


def is_option_symbol(symbol: str) -> bool:
    """True for an OSI symbol (long, ends in 8 strike digits), False for an underlying name."""
    return len(symbol) >= 15 and symbol[-8:].isdigit() and symbol[-9] in "CP"


@lru_cache(maxsize=4096)
def parse_contract(symbol: str) -> ContractTerms:
    """Terms of an OSI symbol (cached: positions are looked up every session)."""
    occ = OccSymbol.parse(symbol)
    style = _INDEX_ROOTS.get(occ.root, SettlementStyle.PM)
    return ContractTerms(
        symbol=symbol,
        root=occ.root,
        strike=occ.strike,
        is_call=occ.is_call,
        expiry_ns=expiry_instant_ns(occ.expiry, style),
        expiry_day=(occ.expiry - _EPOCH).days,
    )


def contract_symbol(chain: ChainSnapshot, row: int) -> str:
    """The padded OSI symbol of chain row ``row``."""
    return OccSymbol.of(
        str(chain.root[row]),
        expiry_date_of(int(chain.expiry_ns[row])),
        OptionRight.CALL if bool(chain.is_call[row]) else OptionRight.PUT,
        float(chain.strike[row]),
    ).format()


class _DayCache:
    """Expiry day per chain row, kept for the most recent chain only."""

    chain: ChainSnapshot | None = None
    days: np.ndarray | None = None


_cache = _DayCache()


def _expiry_days(chain: ChainSnapshot) -> np.ndarray:
    if _cache.chain is not chain or _cache.days is None:
        # New York date of the instant: shift by -5 h so that late-evening UTC stays on the day.
        _cache.days = (chain.expiry_ns - 5 * 3_600_000_000_000) // NS_PER_DAY
        _cache.chain = chain
    return _cache.days


def find_row(chain: ChainSnapshot, terms: ContractTerms) -> int | None:
    """The chain row of a contract, or None if the chain does not list it."""
    mask = (np.abs(chain.strike - terms.strike) < 5e-4) & (chain.is_call == terms.is_call)
    mask &= _expiry_days(chain) == terms.expiry_day
    rows = np.flatnonzero(mask)
    if len(rows) == 1:
        return int(rows[0])
    for row in rows:
        if chain.root[row] == terms.root:
            return int(row)
    return None
