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


class ResolvedLeg(MarginLeg, frozen=True, kw_only=True):
    """One order leg with its signed units in the whole order and its current mark.

    A :class:`MarginLeg` (``price`` is the mid now, or the stock price) so the payoff and margin
    code take it as is.
    """

    underlying: str
    mark: OptionMark | None = None
    greeks: tuple[float, float, float, float] = _ZERO_GREEKS  # dollar Greeks per unit

    def margin_leg(self, quantity: int) -> MarginLeg:
        """This leg with another quantity, as margin input."""
        return MarginLeg(
            symbol=self.symbol,
            quantity=quantity,
            is_option=self.is_option,
            is_call=self.is_call,
            strike=self.strike,
            expiry_ns=self.expiry_ns,
            multiplier=self.multiplier,
            price=self.price,
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
                multiplier=1,
                price=mark.spot,
                greeks=(mark.spot, 0.0, 0.0, 0.0),
            )
        option = self.market.options.get(symbol)
        if option is None:  # not quoted under this spelling: parse to say why
            terms = self.terms(symbol)
            if terms is None:
                message = f"{symbol!r} is not an option or {underlying}"
                problems.append(_reason(RiskCode.UNKNOWN_INSTRUMENT, message))
                return None
            option = self.market.options.get(terms.symbol)
            if option is None:
                problems.append(_reason(RiskCode.NO_MARKET_DATA, f"no quote for {terms.symbol}"))
                return None
        if option.underlying != underlying:  # the chain names the underlying (may differ by root)
            problems.append(
                _reason(
                    RiskCode.UNDERLYING_MISMATCH,
                    f"{option.symbol.strip()} is on {option.underlying}, the order on {underlying}",
                )
            )
            return None
        return ResolvedLeg(
            symbol=option.symbol,
            underlying=underlying,
            quantity=units,
            is_option=True,
            is_call=option.is_call,
            strike=option.strike,
            expiry_ns=option.expiry_ns,
            multiplier=option.multiplier,
            price=(option.bid + option.ask) / 2.0,
            mark=option,
            greeks=(option.delta, option.gamma, option.vega, option.theta),
        )


def _reason(code: RiskCode, message: str) -> DenyReason:
    return DenyReason(code=code, check="instruments", message=message)
