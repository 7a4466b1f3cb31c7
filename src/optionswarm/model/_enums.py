"""Enumerations of the domain model (string-valued, so they encode as readable JSON)."""

from __future__ import annotations

import enum

__all__ = [
    "Direction",
    "ExerciseStyle",
    "InstrumentKind",
    "OptionRight",
    "QualityFlag",
    "SettlementStyle",
    "SettlementType",
    "Side",
    "TimeInForce",
    "VolView",
]


class OptionRight(enum.StrEnum):
    """Call or put; the value is the OSI letter."""

    CALL = "C"
    PUT = "P"


class ExerciseStyle(enum.StrEnum):
    """When the holder may exercise: any day (American) or at expiry only (European)."""

    AMERICAN = "american"
    EUROPEAN = "european"


class SettlementStyle(enum.StrEnum):
    """AM-settled (opening print on expiry day, e.g. SPX monthlies) or PM-settled (close)."""

    AM = "AM"
    PM = "PM"


class SettlementType(enum.StrEnum):
    """Cash-settled (index options) or physical delivery of the underlying (equity/ETF)."""

    CASH = "cash"
    PHYSICAL = "physical"


class Side(enum.StrEnum):
    """Buy or sell; ``sign`` is +1 / -1."""

    BUY = "buy"
    SELL = "sell"

    @property
    def sign(self) -> int:
        """+1 for BUY, -1 for SELL."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        """The other side."""
        return Side.SELL if self is Side.BUY else Side.BUY


class TimeInForce(enum.StrEnum):
    """How long an order rests: DAY, good-till-cancelled, immediate-or-cancel, fill-or-kill."""

    DAY = "DAY"
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class Direction(enum.StrEnum):
    """An agent's or the consensus's directional view on the underlying."""

    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"

    @property
    def sign(self) -> int:
        """+1 bullish, -1 bearish, 0 neutral."""
        return {"bullish": 1, "bearish": -1}.get(self.value, 0)


class VolView(enum.StrEnum):
    """A view on implied volatility over the horizon."""

    RISING = "rising"
    FALLING = "falling"
    FLAT = "flat"


class InstrumentKind(enum.StrEnum):
    """What an underlying is."""

    INDEX = "index"
    EQUITY = "equity"
    ETF = "etf"


class QualityFlag(enum.IntFlag):
    """Bit flags on each chain row (``ChainSnapshot.quality_flags``, uint32).

    Bits 0-15 are defined here; bits 16-31 are free for a data source's own marks.
    """

    NONE = 0
    NO_BID = 1 << 0  # bid absent (NaN) or zero
    NO_ASK = 1 << 1  # ask absent (NaN)
    WIDE_SPREAD = 1 << 2  # spread wider than the validator's limit
    STALE = 1 << 3  # quote older than the snapshot by more than the validator's limit
    LOCKED = 1 << 4  # bid equals ask
    IV_FAILED = 1 << 5  # implied volatility could not be solved
    MODELLED_PRICE = 1 << 6  # bid/ask produced by a model, not quoted
    OUTLIER = 1 << 7  # price inconsistent with neighbours (arbitrage or fat finger)
