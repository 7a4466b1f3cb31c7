"""Expiry instants: an option's expiry date plus its settlement style gives a UTC nanosecond time.

PM-settled series stop trading at the 16:00 New York close; AM-settled series (SPX monthlies) are
settled on the opening print, 09:30 New York. Chains store expiries as these UTC instants
(``expiry_ns``), and time to expiry is measured ACT/365 in nanoseconds.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from optionswarm.model._enums import SettlementStyle

__all__ = [
    "NEW_YORK",
    "NS_PER_DAY",
    "NS_PER_YEAR",
    "expiry_date_of",
    "expiry_instant_ns",
    "ns_to_datetime",
]

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NS_PER_DAY = 86_400 * 1_000_000_000
NS_PER_YEAR = 365 * NS_PER_DAY
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CLOCK = {SettlementStyle.PM: dt.time(16, 0), SettlementStyle.AM: dt.time(9, 30)}


def expiry_instant_ns(expiry: dt.date, settlement: SettlementStyle = SettlementStyle.PM) -> int:
    """UTC nanoseconds of the New York close (PM) or open (AM) on ``expiry``."""
    local = dt.datetime.combine(expiry, _CLOCK[SettlementStyle(settlement)], tzinfo=NEW_YORK)
    delta = local.astimezone(dt.UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def ns_to_datetime(ts_ns: int) -> dt.datetime:
    """A UTC-aware ``datetime`` for a nanosecond timestamp (sub-microsecond digits dropped)."""
    return _EPOCH + dt.timedelta(microseconds=ts_ns // 1000)


def expiry_date_of(expiry_ns: int) -> dt.date:
    """The New York calendar date of an expiry instant (inverse of ``expiry_instant_ns``)."""
    return ns_to_datetime(expiry_ns).astimezone(NEW_YORK).date()
