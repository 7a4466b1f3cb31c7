"""Match one underlying's legs into Cboe strategy groups so as to minimise the requirement.

Three passes, each an exact best matching (:func:`match_units`, a linear assignment over single
contracts) for books up to about a hundred contracts a side, and greedy - largest saving first -
beyond that:

1. pair each short option with a long option of the same right and multiplier expiring on or
   after it (a vertical) or, for a call, with 100 shares of long stock (a covered call); unless
   the profile has ``spread_at_most_naked``, every short that can be paired is paired;
2. join a credit put spread and a credit call spread of one expiry whose short put strike is at
   or below the short call strike into an iron condor (saving the narrower wing's width);
3. join a naked call and a naked put into a short straddle/strangle.

What is left is margined alone (long option, naked or cash-secured short, stock). Each pass is
optimal for what it is given, not the passes jointly (verticals are formed before straddles);
every group formed is a valid Cboe treatment, so the result never falls below the rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from optionswarm.risk.margin_model import (
    BrokerProfile,
    MarginError,
    MarginGroup,
    MarginLeg,
    StrategyKind,
    naked_requirement,
)
from optionswarm.risk.matching import match_units
from optionswarm.risk.reasons import RiskCode

__all__ = ["group_legs"]

_NO_NAKED = 1e9  # stands for "cannot stay naked" in the matching weights
_MUST_PAIR = 1e12  # dominates every saving: pair first, then save the most

_K = StrategyKind


class _Slot:
    """A leg with the units not yet grouped."""

    __slots__ = ("left", "leg")

    def __init__(self, leg: MarginLeg) -> None:
        self.leg = leg
        self.left = abs(leg.quantity)


class _Stock:
    """Long shares not yet used to cover calls."""

    __slots__ = ("left", "symbol")

    def __init__(self, symbol: str, left: int) -> None:
        self.symbol, self.left = symbol, left


class _Spread:
    __slots__ = ("long", "qty", "short")

    def __init__(self, short: MarginLeg, long: MarginLeg, qty: int) -> None:
        self.short, self.long, self.qty = short, long, qty

    @property
    def is_credit(self) -> bool:
        s, lg = self.short, self.long
        return lg.strike > s.strike if s.is_call else lg.strike < s.strike

    @property
    def width(self) -> float:
        return abs(self.long.strike - self.short.strike)


def _vertical_requirement(short: MarginLeg, long: MarginLeg) -> float:
    """Per share: credit spread width + long premium; debit spread: the long premium."""
    credit = long.strike > short.strike if short.is_call else long.strike < short.strike
    width = abs(long.strike - short.strike) if credit else 0.0
    return width + long.price


def _pairs(short: MarginLeg, long: MarginLeg) -> bool:
    return (
        long.is_call == short.is_call
        and long.multiplier == short.multiplier
        and long.expiry_ns >= short.expiry_ns
    )


class _Matcher:
    def __init__(self, spot: float, profile: BrokerProfile, broad_based: bool) -> None:
        self.spot, self.profile, self.broad = spot, profile, broad_based
        self.groups: list[MarginGroup] = []

    # -- standalone requirements (per share) --
    def naked(self, leg: MarginLeg) -> float:
        return naked_requirement(self.profile, self.spot, leg, self.broad)

    def alone(self, leg: MarginLeg) -> float:
        if leg.is_call:
            return self.naked(leg) if self.profile.allow_naked_calls else math.inf
        if self.profile.allow_naked_puts:
            return min(self.naked(leg), leg.strike)
        return leg.strike

    # -- pass 1: verticals and covered calls --
    def pair(self, shorts: list[_Slot], longs: list[_Slot], stock: _Stock) -> list[_Spread]:
        exact = self._pair_exactly(shorts, longs, stock)
        if exact is not None:
            return exact
        spreads: list[_Spread] = []
        while True:
            best: tuple[_Slot, _Slot | None] | None = None
            best_saving = 0.0 if self.profile.spread_at_most_naked else -math.inf
            for s in (x for x in shorts if x.left):
                alone = self.alone(s.leg)
                if s.leg.is_call and stock.left >= s.leg.multiplier and alone > best_saving:
                    best, best_saving = (s, None), alone
                for lg in (y for y in longs if y.left and _pairs(s.leg, y.leg)):
                    saving = alone + lg.leg.price - _vertical_requirement(s.leg, lg.leg)
                    if saving > best_saving:
                        best, best_saving = (s, lg), saving
            if best is None:
                return spreads
            self._take(best[0], best[1], stock, spreads)

    def _pair_gain(self, short: MarginLeg, long: MarginLeg | None) -> float | None:
        """Requirement saved by pairing one unit of ``short`` with ``long`` (None: stock)."""
        alone = min(self.alone(short), _NO_NAKED)
        if long is None:
            gain = alone  # a covered call adds nothing to the stock's requirement
        elif _pairs(short, long):
            gain = alone + long.price - _vertical_requirement(short, long)
        else:
            return None
        # conservative profiles pair every short that can be paired, then save the most
        return gain if self.profile.spread_at_most_naked else gain + _MUST_PAIR

    def _pair_exactly(
        self, shorts: list[_Slot], longs: list[_Slot], stock: _Stock
    ) -> list[_Spread] | None:
        live_s = [x for x in shorts if x.left]
        live_l = [y for y in longs if y.left]
        call_multipliers = {x.leg.multiplier for x in live_s if x.leg.is_call}
        cover = call_multipliers.pop() if len(call_multipliers) == 1 else 0
        stock_units = stock.left // cover if cover else 0
        caps = [y.left for y in live_l] + ([stock_units] if stock_units else [])

        def gain(i: int, j: int) -> float | None:
            short = live_s[i].leg
            if j < len(live_l):
                return self._pair_gain(short, live_l[j].leg)
            return self._pair_gain(short, None) if short.is_call else None

        pairs = match_units([x.left for x in live_s], caps, gain)
        if pairs is None:
            return None
        spreads: list[_Spread] = []
        for (i, j), n in sorted(pairs.items()):
            short = live_s[i]
            short.left -= n
            if j < len(live_l):
                live_l[j].left -= n
                spreads.append(_Spread(short.leg, live_l[j].leg, n))
            else:
                stock.left -= n * cover
                self.covered_call(short.leg, n, stock.symbol)
        return spreads

    def _take(self, s: _Slot, lg: _Slot | None, stock: _Stock, spreads: list[_Spread]) -> None:
        if lg is None:
            n = min(s.left, stock.left // s.leg.multiplier)
            stock.left -= n * s.leg.multiplier
            s.left -= n
            self.covered_call(s.leg, n, stock.symbol)
            return
        n = min(s.left, lg.left)
        s.left -= n
        lg.left -= n
        spreads.append(_Spread(s.leg, lg.leg, n))

    # -- pass 2: iron condors --
    def condors(self, spreads: list[_Spread]) -> None:
        puts = [sp for sp in spreads if sp.is_credit and not sp.short.is_call]
        calls = [sp for sp in spreads if sp.is_credit and sp.short.is_call]

        def gain(i: int, j: int) -> float | None:
            p, c = puts[i], calls[j]
            return min(p.width, c.width) if _condor_compatible(p, c) else None

        exact = match_units([p.qty for p in puts], [c.qty for c in calls], gain)
        for (i, j), n in sorted((exact or {}).items()):
            puts[i].qty -= n
            calls[j].qty -= n
            self.iron_condor(puts[i], calls[j], n)
        while exact is None:
            best, best_saving = None, 0.0
            for p in (x for x in puts if x.qty):
                for c in (y for y in calls if y.qty and _condor_compatible(p, y)):
                    saving = min(p.width, c.width)
                    if saving > best_saving:
                        best, best_saving = (p, c), saving
            if best is None:
                break
            p, c = best
            n = min(p.qty, c.qty)
            p.qty -= n
            c.qty -= n
            self.iron_condor(p, c, n)
        for sp in spreads:
            if sp.qty:
                self.vertical(sp)

    # -- pass 3: straddles, then what is left alone --
    def shorts_alone(self, shorts: list[_Slot]) -> None:
        naked_calls = [s for s in shorts if s.left and s.leg.is_call]
        naked_puts = [s for s in shorts if s.left and not s.leg.is_call and self._is_naked(s.leg)]
        if naked_calls and not self.profile.allow_naked_calls:
            leg = naked_calls[0].leg
            raise MarginError(
                RiskCode.NAKED_NOT_PERMITTED,
                f"short call {leg.symbol.strip()} is uncovered and profile "
                f"{self.profile.name!r} permits no naked calls",
            )
        self._straddles(naked_calls, naked_puts)
        for s in shorts:
            if s.left:
                self.single_short(s.leg, s.left)

    def _is_naked(self, leg: MarginLeg) -> bool:
        return self.profile.allow_naked_puts and self.naked(leg) <= leg.strike

    def _straddle_gain(self, call: MarginLeg, put: MarginLeg) -> float | None:
        if call.multiplier != put.multiplier:
            return None
        rc, rp = self.naked(call), self.naked(put)
        return (rc - call.price) if rc <= rp else (rp - put.price)

    def _straddles(self, calls: list[_Slot], puts: list[_Slot]) -> None:
        exact = match_units(
            [c.left for c in calls],
            [p.left for p in puts],
            lambda i, j: self._straddle_gain(calls[i].leg, puts[j].leg),
        )
        if exact is not None:
            for (i, j), n in sorted(exact.items()):
                calls[i].left -= n
                puts[j].left -= n
                self.straddle(calls[i].leg, puts[j].leg, n)
            return
        while True:
            best, best_saving = None, 0.0
            for c in (x for x in calls if x.left):
                for p in (y for y in puts if y.left and y.leg.multiplier == c.leg.multiplier):
                    rc, rp = self.naked(c.leg), self.naked(p.leg)
                    saving = (rc - c.leg.price) if rc <= rp else (rp - p.leg.price)
                    if saving > best_saving:
                        best, best_saving = (c, p), saving
            if best is None:
                return
            c, p = best
            n = min(c.left, p.left)
            c.left -= n
            p.left -= n
            self.straddle(c.leg, p.leg, n)

    # -- group emitters --
    def _emit(
        self, kind: StrategyKind, legs: tuple[tuple[str, int], ...], req: float, proceeds: float
    ) -> None:
        self.groups.append(MarginGroup(kind=kind, legs=legs, requirement=req, proceeds=proceeds))

    def covered_call(self, call: MarginLeg, n: int, stock_symbol: str) -> None:
        shares = n * call.multiplier
        req = self.profile.stock_rate * self.spot * shares
        legs = ((stock_symbol, shares), (call.symbol, -n))
        self._emit(_K.COVERED_CALL, legs, req, call.price * shares)

    def vertical(self, sp: _Spread) -> None:
        m = sp.short.multiplier * sp.qty
        kind = _K.CREDIT_SPREAD if sp.is_credit else _K.DEBIT_SPREAD
        legs = ((sp.short.symbol, -sp.qty), (sp.long.symbol, sp.qty))
        req = _vertical_requirement(sp.short, sp.long) * m
        self._emit(kind, legs, req, sp.short.price * m)

    def iron_condor(self, p: _Spread, c: _Spread, n: int) -> None:
        m = p.short.multiplier * n
        legs = (
            (p.long.symbol, n),
            (p.short.symbol, -n),
            (c.short.symbol, -n),
            (c.long.symbol, n),
        )
        req = (max(p.width, c.width) + p.long.price + c.long.price) * m
        self._emit(_K.IRON_CONDOR, legs, req, (p.short.price + c.short.price) * m)

    def straddle(self, call: MarginLeg, put: MarginLeg, n: int) -> None:
        m = call.multiplier * n
        rc, rp = self.naked(call), self.naked(put)
        per_share = rc + put.price if rc >= rp else rp + call.price
        legs = ((call.symbol, -n), (put.symbol, -n))
        self._emit(_K.SHORT_STRADDLE, legs, per_share * m, (call.price + put.price) * m)

    def single_short(self, leg: MarginLeg, n: int) -> None:
        m = leg.multiplier * n
        if leg.is_call:
            self._emit(_K.NAKED_CALL, ((leg.symbol, -n),), self.naked(leg) * m, leg.price * m)
        elif self._is_naked(leg):
            self._emit(_K.NAKED_PUT, ((leg.symbol, -n),), self.naked(leg) * m, leg.price * m)
        else:
            self._emit(_K.CASH_SECURED_PUT, ((leg.symbol, -n),), leg.strike * m, leg.price * m)

    def long_option(self, leg: MarginLeg, n: int) -> None:
        m = leg.multiplier * n
        self._emit(_K.LONG_OPTION, ((leg.symbol, n),), leg.price * m, 0.0)

    def stock(self, symbol: str, shares: int) -> None:
        value = abs(shares) * self.spot
        if shares > 0:
            self._emit(_K.LONG_STOCK, ((symbol, shares),), self.profile.stock_rate * value, 0.0)
            return
        if not self.profile.allow_short_stock:
            raise MarginError(
                RiskCode.NAKED_NOT_PERMITTED,
                f"short stock {symbol} is not permitted by profile {self.profile.name!r}",
            )
        self._emit(
            _K.SHORT_STOCK, ((symbol, shares),), self.profile.short_stock_rate * value, value
        )


def _condor_compatible(p: _Spread, c: _Spread) -> bool:
    expiry = p.short.expiry_ns
    return (
        p.long.expiry_ns == expiry
        and c.short.expiry_ns == expiry
        and c.long.expiry_ns == expiry
        and p.short.multiplier == c.short.multiplier
        and p.short.strike <= c.short.strike
    )


def group_legs(
    legs: Sequence[MarginLeg], spot: float, profile: BrokerProfile, broad_based: bool
) -> list[MarginGroup]:
    """Partition one underlying's legs into strategy groups (see the module docstring)."""
    matcher = _Matcher(spot, profile, broad_based)
    stock_legs = [leg for leg in legs if not leg.is_option]
    if len({leg.symbol for leg in stock_legs}) > 1:
        raise MarginError(RiskCode.MARGIN_UNSUPPORTED, "more than one stock symbol in one group")
    shares = sum(leg.quantity for leg in stock_legs)
    stock_symbol = stock_legs[0].symbol if stock_legs else ""
    shorts = [_Slot(leg) for leg in legs if leg.is_option and leg.quantity < 0]
    longs = [_Slot(leg) for leg in legs if leg.is_option and leg.quantity > 0]
    stock = _Stock(stock_symbol, max(shares, 0))
    spreads = matcher.pair(shorts, longs, stock)
    matcher.condors(spreads)
    matcher.shorts_alone(shorts)
    for lg in longs:
        if lg.left:
            matcher.long_option(lg.leg, lg.left)
    remaining_shares = stock.left if shares > 0 else shares
    if remaining_shares:
        matcher.stock(stock_symbol, int(remaining_shares))
    return matcher.groups
