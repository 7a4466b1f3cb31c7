"""The risk engine's own book: positions and incrementally kept aggregates per underlying.

A fill changes one symbol, so it updates that underlying's gross contracts and dollar Greeks by
``quantity x per-contract Greeks`` and recomputes that one underlying's margin; a new chain
snapshot revalues that one underlying. A pre-trade check reads totals, never re-sums positions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from optionswarm.risk.margin_model import EMPTY_MARGIN, MarginResult

__all__ = ["GREEK_NAMES", "RiskBook", "UnderlyingExposure"]

GREEK_NAMES = ("delta", "gamma", "vega", "theta")
Greeks4 = tuple[float, float, float, float]
GreeksOf = Callable[[str], Greeks4]


class UnderlyingExposure:
    """Positions and aggregates of one underlying (mutable; owned by :class:`RiskBook`)."""

    __slots__ = ("greeks", "gross_contracts", "margin", "positions")

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self.gross_contracts = 0  # sum of |contracts| over option positions
        self.greeks = [0.0, 0.0, 0.0, 0.0]  # dollar delta, gamma, vega, theta
        self.margin: MarginResult = EMPTY_MARGIN


class RiskBook:
    """Signed positions by symbol with per-underlying and total aggregates."""

    def __init__(self, equity: float) -> None:
        self.equity = equity
        self.positions: dict[str, int] = {}
        self.exposures: dict[str, UnderlyingExposure] = {}
        self.total_greeks = [0.0, 0.0, 0.0, 0.0]
        self.margin_capital = 0.0
        self.margin_failures: dict[str, str] = {}  # underlying -> why its margin is unknown

    def position(self, symbol: str) -> int:
        """Signed quantity held (0 if none)."""
        return self.positions.get(symbol, 0)

    def exposure(self, underlying: str) -> UnderlyingExposure:
        """The aggregates of ``underlying`` (created empty on first use)."""
        exposure = self.exposures.get(underlying)
        if exposure is None:
            exposure = self.exposures[underlying] = UnderlyingExposure()
        return exposure

    def underlyings(self) -> Iterator[str]:
        """Underlyings with an exposure record."""
        return iter(self.exposures)

    @property
    def buying_power(self) -> float:
        """Equity less the capital tied up by margin."""
        return self.equity - self.margin_capital

    def apply(
        self, symbol: str, underlying: str, units: int, is_option: bool, greeks: Greeks4
    ) -> None:
        """Add ``units`` (signed) of ``symbol`` with its per-unit dollar Greeks."""
        exposure = self.exposure(underlying)
        before = self.positions.get(symbol, 0)
        after = before + units
        if after:
            self.positions[symbol] = exposure.positions[symbol] = after
        else:
            self.positions.pop(symbol, None)
            exposure.positions.pop(symbol, None)
        if is_option:
            exposure.gross_contracts += abs(after) - abs(before)
        for i in range(4):
            change = units * greeks[i]
            exposure.greeks[i] += change
            self.total_greeks[i] += change

    def revalue(self, underlying: str, greeks_of: GreeksOf) -> None:
        """Recompute one underlying's Greeks from its positions (after new marks)."""
        exposure = self.exposure(underlying)
        fresh = [0.0, 0.0, 0.0, 0.0]
        for symbol, quantity in exposure.positions.items():
            per_unit = greeks_of(symbol)
            for i in range(4):
                fresh[i] += quantity * per_unit[i]
        for i in range(4):
            self.total_greeks[i] += fresh[i] - exposure.greeks[i]
        exposure.greeks = fresh

    def set_margin(self, underlying: str, result: MarginResult) -> None:
        """Record one underlying's margin and keep the total current."""
        exposure = self.exposure(underlying)
        self.margin_capital += result.capital - exposure.margin.capital
        exposure.margin = result
