"""Order legs resolved against the market: terms, signed quantities, marks and dollar Greeks."""

from __future__ import annotations

import msgspec

from optionswarm.model import ModelValidationError, OccSymbol, OptionContract, OrderIntent
from optionswarm.risk.margin_model import MarginLeg
from optionswarm.risk.market import MarketView, OptionMark
from optionswarm.risk.reasons import DenyReason, RiskCode

__all__ = ["ContractTerms", "LegResolver", "ResolvedLeg"]

_ZERO_GREEKS = (0.0, 0.0, 0.0, 0.0)


class ContractTerms(msgspec.Struct, frozen=True, kw_only=True):
    """Static terms of an option symbol (padded OSI form, underlying, strike, expiry)."""

    symbol: str
    underlying: str
    is_call: bool
    strike: float
    expiry_ns: int
    multiplier: int = 100


class ResolvedLeg(msgspec.Struct, frozen=True, kw_only=True):
    """One order leg with its signed units in the whole order and its current mark."""

    symbol: str
    underlying: str
    quantity: int  # signed contracts (options) or shares (stock) in the whole order
    is_option: bool
    is_call: bool = False
    strike: float = 0.0
    expiry_ns: int = 0
    multiplier: int = 1
    mark: OptionMark | None = None
    spot: float = 0.0  # underlying price for stock legs
    greeks: tuple[float, float, float, float] = _ZERO_GREEKS  # dollar Greeks per unit

    @property
    def mid(self) -> float:
        """Per-share price now: the option's mid, or the stock price."""
        if self.mark is not None:
            return self.mark.mid
        return self.spot

    def margin_leg(self, quantity: int | None = None) -> MarginLeg:
        """This leg as margin/payoff input, priced at the mid."""
        return MarginLeg(
            symbol=self.symbol,
            quantity=self.quantity if quantity is None else quantity,
            is_option=self.is_option,
            is_call=self.is_call,
            strike=self.strike,
            expiry_ns=self.expiry_ns,
            multiplier=self.multiplier,
            price=self.mid,
        )


class LegResolver:
    """Parses symbols once (cached) and joins legs with the latest marks."""

    def __init__(self, market: MarketView) -> None:
        self.market = market
        self._terms: dict[str, ContractTerms | None] = {}

    def terms(self, symbol: str) -> ContractTerms | None:
        """The option terms of ``symbol`` (OSI padded or compact), or None if not an option."""
        try:
            return self._terms[symbol]
        except KeyError:
            pass
        try:
            contract = OptionContract.from_symbol(OccSymbol.parse(symbol))
        except (ModelValidationError, ValueError):
            terms = None
        else:
            terms = ContractTerms(
                symbol=contract.occ,
                underlying=contract.underlying,
                is_call=contract.is_call,
                strike=contract.strike,
                expiry_ns=contract.expiry_ns,
                multiplier=contract.multiplier,
            )
        self._terms[symbol] = terms
        return terms

    def resolve(self, order: OrderIntent) -> tuple[tuple[ResolvedLeg, ...], tuple[DenyReason, ...]]:
        """Resolved legs and the reasons a leg could not be resolved."""
        legs: list[ResolvedLeg] = []
        problems: list[DenyReason] = []
        for leg in order.legs:
            units = leg.side.sign * leg.ratio * order.quantity
            resolved = self.resolve_symbol(leg.symbol, units, order.underlying, problems)
            if resolved is not None:
                legs.append(resolved)
        return tuple(legs), tuple(problems)

    def resolve_symbol(
        self, symbol: str, units: int, underlying: str, problems: list[DenyReason]
    ) -> ResolvedLeg | None:
        """One symbol with ``units`` signed units; appends a reason to ``problems`` on failure."""
        if symbol == underlying:
            mark = self.market.underlyings.get(underlying)
            if mark is None:
                problems.append(_reason(RiskCode.NO_MARKET_DATA, f"no price for {underlying}"))
                return None
            return ResolvedLeg(
                symbol=symbol,
                underlying=underlying,
                quantity=units,
                is_option=False,
                spot=mark.spot,
                greeks=(mark.spot, 0.0, 0.0, 0.0),
            )
        terms = self.terms(symbol)
        if terms is None:
            problems.append(
                _reason(RiskCode.UNKNOWN_INSTRUMENT, f"{symbol!r} is not an option or {underlying}")
            )
            return None
        option = self.market.options.get(terms.symbol)
        if option is None:
            problems.append(_reason(RiskCode.NO_MARKET_DATA, f"no quote for {terms.symbol}"))
            return None
        if option.underlying != underlying:  # the chain names the underlying (may differ by root)
            problems.append(
                _reason(
                    RiskCode.UNDERLYING_MISMATCH,
                    f"{terms.symbol.strip()} is on {option.underlying}, the order on {underlying}",
                )
            )
            return None
        return ResolvedLeg(
            symbol=terms.symbol,
            underlying=underlying,
            quantity=units,
            is_option=True,
            is_call=terms.is_call,
            strike=terms.strike,
            expiry_ns=option.expiry_ns,
            multiplier=option.multiplier,
            mark=option,
            greeks=(option.delta, option.gamma, option.vega, option.theta),
        )


def _reason(code: RiskCode, message: str) -> DenyReason:
    return DenyReason(code=code, check="instruments", message=message)
