"""Instruments: the underlying and the listed option contract."""

from __future__ import annotations

from optionswarm.model._base import DomainStruct
from optionswarm.model._checks import enum_field, fail, float_field, int_field, text_field
from optionswarm.model._enums import ExerciseStyle, InstrumentKind, SettlementStyle, SettlementType
from optionswarm.model._expiry import expiry_instant_ns
from optionswarm.model._occ import OccSymbol

__all__ = ["CASH_SETTLED_INDEX_ROOTS", "OptionContract", "Underlying"]

# Index option roots: European exercise, cash settlement. SPX monthlies (root SPX) are AM-settled;
# the weekly/PM roots are PM-settled.
CASH_SETTLED_INDEX_ROOTS: dict[str, SettlementStyle] = {
    "SPX": SettlementStyle.AM,
    "SPXW": SettlementStyle.PM,
    "NDX": SettlementStyle.AM,
    "NDXP": SettlementStyle.PM,
    "RUT": SettlementStyle.AM,
    "RUTW": SettlementStyle.PM,
    "VIX": SettlementStyle.AM,
    "VIXW": SettlementStyle.AM,
    "XSP": SettlementStyle.PM,
    "DJX": SettlementStyle.AM,
}


class Underlying(DomainStruct, frozen=True, kw_only=True):
    """A tradable or reference underlying (index, stock, ETF)."""

    symbol: str
    kind: InstrumentKind
    multiplier: int = 1
    tick_size: float = 0.01

    def __post_init__(self) -> None:
        text_field(self, "symbol", max_len=32)
        enum_field(self, "kind", InstrumentKind)
        int_field(self, "multiplier", min_value=1)
        float_field(self, "tick_size", positive=True)


class OptionContract(DomainStruct, frozen=True, kw_only=True):
    """A listed option: its OSI symbol, underlying, exercise and settlement terms."""

    symbol: OccSymbol
    underlying: str
    exercise: ExerciseStyle
    settlement: SettlementStyle
    settlement_type: SettlementType
    multiplier: int = 100

    def __post_init__(self) -> None:
        if not isinstance(self.symbol, OccSymbol):
            raise fail("symbol", f"must be an OccSymbol, got {type(self.symbol).__name__}")
        text_field(self, "underlying", max_len=32)
        enum_field(self, "exercise", ExerciseStyle)
        enum_field(self, "settlement", SettlementStyle)
        enum_field(self, "settlement_type", SettlementType)
        int_field(self, "multiplier", min_value=1)

    @classmethod
    def from_symbol(
        cls, symbol: OccSymbol | str, *, underlying: str | None = None, multiplier: int = 100
    ) -> OptionContract:
        """Standard terms for a symbol: index roots European/cash, others American/physical PM."""
        occ = symbol if isinstance(symbol, OccSymbol) else OccSymbol.parse(symbol)
        index_settlement = CASH_SETTLED_INDEX_ROOTS.get(occ.root)
        if index_settlement is not None:
            exercise, settlement, kind = (
                ExerciseStyle.EUROPEAN,
                index_settlement,
                SettlementType.CASH,
            )
        else:
            exercise, settlement, kind = (
                ExerciseStyle.AMERICAN,
                SettlementStyle.PM,
                SettlementType.PHYSICAL,
            )
        return cls(
            symbol=occ,
            underlying=underlying if underlying is not None else occ.underlying,
            exercise=exercise,
            settlement=settlement,
            settlement_type=kind,
            multiplier=multiplier,
        )

    @property
    def occ(self) -> str:
        """The 21-character OSI symbol string."""
        return self.symbol.format()

    @property
    def strike(self) -> float:
        """Strike in dollars."""
        return self.symbol.strike

    @property
    def is_call(self) -> bool:
        """True for calls."""
        return self.symbol.is_call

    @property
    def expiry_ns(self) -> int:
        """The expiry instant in UTC nanoseconds (New York close or open per settlement)."""
        return expiry_instant_ns(self.symbol.expiry, self.settlement)
