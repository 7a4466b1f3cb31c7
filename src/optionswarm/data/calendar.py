"""The NYSE trading calendar (full-day closures), implemented from the exchange's published rules.

Rules (NYSE Rule 7.2 and its history):

* New Year's Day, Jan 1 -- Sunday moves to Monday; a Saturday Jan 1 is *not* observed on Friday
  (the exchange stays open on Dec 31, e.g. 2010-12-31 and 2021-12-31).
* Martin Luther King Jr. Day (3rd Monday of January, from 1998), Washington's Birthday (3rd Monday
  of February), Good Friday, Memorial Day (last Monday of May), Juneteenth (June 19, from 2022),
  Independence Day (July 4), Labor Day (1st Monday of September), Thanksgiving (4th Thursday of
  November), Christmas (Dec 25). Fixed-date holidays on a Saturday move to Friday, on a Sunday to
  Monday (Juneteenth, July 4, Christmas).
* Unscheduled closures: 2001-09-11..14 (9/11), 2004-06-11 (President Reagan), 2007-01-02
  (President Ford), 2012-10-29/30 (Hurricane Sandy), 2018-12-05 (President G. H. W. Bush),
  2025-01-09 (President Carter).

The test suite checks these rules against every trading day of the real S&P 500 series shipped in
``arch.data`` (1999-2018). Sessions close at 16:00 America/New_York.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import numpy as np
import numpy.typing as npt

__all__ = [
    "NEW_YORK",
    "NYSE_SPECIAL_CLOSURES",
    "easter_sunday",
    "is_trading_day",
    "last_trading_day_of_month",
    "nyse_holidays",
    "previous_trading_day",
    "session_close_ns",
    "session_closes_ns",
    "trading_days",
]

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_CLOSE = dt.time(16, 0)
_SATURDAY, _SUNDAY = 5, 6

NYSE_SPECIAL_CLOSURES: frozenset[dt.date] = frozenset(
    {
        dt.date(2001, 9, 11),
        dt.date(2001, 9, 12),
        dt.date(2001, 9, 13),
        dt.date(2001, 9, 14),
        dt.date(2004, 6, 11),
        dt.date(2007, 1, 2),
        dt.date(2012, 10, 29),
        dt.date(2012, 10, 30),
        dt.date(2018, 12, 5),
        dt.date(2025, 1, 9),
    }
)


def easter_sunday(year: int) -> dt.date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    if day.weekday() == _SATURDAY:
        return day - dt.timedelta(days=1)
    if day.weekday() == _SUNDAY:
        return day + dt.timedelta(days=1)
    return day


@functools.cache
def nyse_holidays(year: int) -> frozenset[dt.date]:
    """Every weekday on which the NYSE is closed for the whole day in ``year``."""
    days = {
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        easter_sunday(year) - dt.timedelta(days=2),  # Good Friday
        _last_weekday(year, 5, 0),  # Memorial Day
        _observed(dt.date(year, 7, 4)),
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving
        _observed(dt.date(year, 12, 25)),
    }
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != _SATURDAY:
        days.add(_observed(new_year))
    if year >= 1998:
        days.add(_nth_weekday(year, 1, 0, 3))  # Martin Luther King Jr. Day
    if year >= 2022:
        days.add(_observed(dt.date(year, 6, 19)))  # Juneteenth
    days |= {d for d in NYSE_SPECIAL_CLOSURES if d.year == year}
    return frozenset(d for d in days if d.weekday() < _SATURDAY)


def is_trading_day(day: dt.date) -> bool:
    """True if the NYSE holds a regular session on ``day``."""
    return day.weekday() < _SATURDAY and day not in nyse_holidays(day.year)


@functools.lru_cache(maxsize=65_536)
def previous_trading_day(day: dt.date) -> dt.date:
    """The latest trading day on or before ``day``."""
    while not is_trading_day(day):
        day -= dt.timedelta(days=1)
    return day


def last_trading_day_of_month(year: int, month: int) -> dt.date:
    """The last NYSE session of a calendar month."""
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return previous_trading_day(nxt - dt.timedelta(days=1))


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """All NYSE sessions from ``start`` to ``end`` inclusive."""
    count = (end - start).days + 1
    return [
        day
        for day in (start + dt.timedelta(days=i) for i in range(max(count, 0)))
        if is_trading_day(day)
    ]


@functools.lru_cache(maxsize=65_536)
def session_close_ns(day: dt.date) -> int:
    """UTC nanoseconds of the 16:00 New York close on ``day``."""
    local = dt.datetime.combine(day, _CLOSE, tzinfo=NEW_YORK)
    delta = local.astimezone(dt.UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000


def session_closes_ns(days: npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    """Vectorised ``session_close_ns`` over an array of ``datetime64[D]`` days."""
    as_days = days.astype("datetime64[D]")
    out = np.empty(as_days.shape[0], dtype=np.int64)
    for i, day in enumerate(as_days.tolist()):
        out[i] = session_close_ns(day)
    return out
