"""Exposure of a book by underlying and expiry, and the margin it uses (``risk.MarginEngine``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import msgspec

from optionswarm.engine.contracts import is_option_symbol, parse_contract
from optionswarm.model import Position, underlying_for_root
from optionswarm.portfolio.greeks import ContractRisk
from optionswarm.risk import MarginEngine, MarginLeg

__all__ = ["ExposureRow", "exposure_by_expiry", "margin_used"]

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class ExposureRow(msgspec.Struct, frozen=True, kw_only=True):
    """Dollar Greeks (per 1-point move, per 1.00 vol, per day) and size of one bucket."""

    underlying: str
    expiry: str  # ISO date, or "" for the underlying itself
    contracts: int  # signed option contracts (or shares for the underlying)
    market_value: float
    delta: float
    gamma: float
    vega: float
    theta: float


def exposure_by_expiry(
    positions: Mapping[str, Position], risk: Mapping[str, ContractRisk]
) -> list[ExposureRow]:
    """One row per (underlying, expiry), sorted; the underlying's own shares have expiry ""."""
    buckets: dict[tuple[str, str], list[float]] = {}
    for symbol, position in positions.items():
        if is_option_symbol(symbol):
            terms = parse_contract(symbol)
            key = (underlying_for_root(terms.root), _date(terms.expiry_ns))
        else:
            key = (symbol, "")
        r = risk.get(symbol)
        weight = position.quantity * position.multiplier
        row = buckets.setdefault(key, [0.0] * 6)
        row[0] += position.quantity
        if r is not None:
            row[1] += weight * r.mark
            row[2] += weight * r.delta
            row[3] += weight * r.gamma
            row[4] += weight * r.vega
            row[5] += weight * r.theta / 365.0
    return [
        ExposureRow(
            underlying=underlying,
            expiry=expiry,
            contracts=int(v[0]),
            market_value=v[1],
            delta=v[2],
            gamma=v[3],
            vega=v[4],
            theta=v[5],
        )
        for (underlying, expiry), v in sorted(buckets.items())
    ]


def margin_used(
    positions: Mapping[str, Position],
    marks: Mapping[str, float],
    spot: Mapping[str, float],
    broad_based: frozenset[str] = frozenset({"SPX", "NDX", "RUT", "XSP", "DJX", "OEX", "XEO"}),
) -> dict[str, float]:
    """Margin requirement per underlying under risk's strategy-based ``MarginEngine`` (Reg T).

    Underlyings without a spot are left out.
    """
    by_underlying: dict[str, list[MarginLeg]] = {}
    for symbol, position in positions.items():
        if is_option_symbol(symbol):
            terms = parse_contract(symbol)
            leg = MarginLeg(
                symbol=symbol,
                quantity=position.quantity,
                is_call=terms.is_call,
                strike=terms.strike,
                expiry_ns=terms.expiry_ns,
                multiplier=position.multiplier,
                price=marks.get(symbol, position.avg_price),
            )
            underlying = underlying_for_root(terms.root)
        else:
            leg = MarginLeg(
                symbol=symbol, quantity=position.quantity, is_option=False, multiplier=1
            )
            underlying = symbol
        by_underlying.setdefault(underlying, []).append(leg)
    engine = MarginEngine()
    return {
        underlying: engine.margin(
            legs, spot[underlying], broad_based=underlying in broad_based
        ).requirement
        for underlying, legs in sorted(by_underlying.items())
        if underlying in spot
    }


def _date(ts_ns: int) -> str:
    return (_EPOCH + dt.timedelta(microseconds=ts_ns // 1000)).date().isoformat()
