"""Listed expiries as an index-options exchange lists them (modelled on Cboe SPX / SPXW).

On each trading day the listed series are:

* **Monthlies** -- third-Friday expiries of the next ``monthlies_ahead`` months, AM-settled (the
  Special Opening Quotation), root ``monthly_root`` (SPX); plus December LEAPS out to
  ``leap_years_ahead`` years.
* **Friday weeklies** -- the next ``weeklies_ahead`` Fridays that are not third Fridays,
  PM-settled, root ``weekly_root`` (SPXW), listed from ``weeklies_since`` (Cboe: October 2005).
* **Monday / Wednesday weeklies** (from 2016-08-15 / 2016-02-23) and **Tuesday / Thursday
  weeklies** (from 2022-04-18 / 2022-05-11): the next ``short_weeklies_ahead`` of each weekday.
* **Quarterlies** -- the last trading day of the next ``quarterlies_ahead`` calendar quarters,
  PM-settled, root ``weekly_root``, listed from ``quarterlies_since`` (2006).

An expiry date that is not a trading day moves to the previous session (Good Friday expiries
expire on the Thursday before). Only expiries whose settlement instant lies strictly after the
day's 16:00 close are listed: a monthly AM series is gone by the close of its expiry Friday.
"""

from __future__ import annotations

import datetime as dt
import functools

import msgspec

from optionswarm.data.calendar import (
    is_trading_day,
    last_trading_day_of_month,
    previous_trading_day,
)

__all__ = ["ExpiryRules", "ListedExpiry", "listed_expiries", "third_friday"]

_FRIDAY = 4
_WEEK = dt.timedelta(days=7)


class ExpiryRules(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How many of each expiry kind are listed, and when each kind started trading."""

    monthly_root: str = "SPX"
    weekly_root: str = "SPXW"
    monthlies_ahead: int = 12
    leap_years_ahead: int = 2
    weeklies_ahead: int = 5
    weeklies_since: dt.date = dt.date(2005, 10, 28)
    short_weeklies_ahead: int = 2
    monday_weeklies_since: dt.date = dt.date(2016, 8, 15)
    wednesday_weeklies_since: dt.date = dt.date(2016, 2, 23)
    tuesday_weeklies_since: dt.date = dt.date(2022, 4, 18)
    thursday_weeklies_since: dt.date = dt.date(2022, 5, 11)
    quarterlies_ahead: int = 4
    quarterlies_since: dt.date = dt.date(2006, 1, 1)


class ListedExpiry(msgspec.Struct, frozen=True, kw_only=True):
    """One listed expiry: its date, OSI root, and whether it settles AM (else PM)."""

    expiry: dt.date
    root: str
    am_settled: bool
    kind: str  # "monthly", "leap", "weekly", "quarterly"


@functools.cache
def third_friday(year: int, month: int) -> dt.date:
    """The third Friday of a month (the standard monthly expiration date)."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(_FRIDAY - first.weekday()) % 7 + 14)


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def _monthlies(day: dt.date, rules: ExpiryRules) -> list[ListedExpiry]:
    out: list[ListedExpiry] = []
    months = 0
    while len(out) < rules.monthlies_ahead:
        year, month = _add_months(day.year, day.month, months)
        months += 1
        expiry = previous_trading_day(third_friday(year, month))
        if expiry > day:
            out.append(
                ListedExpiry(
                    expiry=expiry, root=rules.monthly_root, am_settled=True, kind="monthly"
                )
            )
    last = out[-1].expiry if out else day
    for years in range(1, rules.leap_years_ahead + 1):
        expiry = previous_trading_day(third_friday(day.year + years, 12))
        if expiry > last:
            out.append(
                ListedExpiry(expiry=expiry, root=rules.monthly_root, am_settled=True, kind="leap")
            )
    return out


def _weekday_series(
    day: dt.date, weekday: int, count: int, skip_third_friday: bool
) -> list[dt.date]:
    out: list[dt.date] = []
    nominal = day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)
    while len(out) < count:
        third = third_friday(nominal.year, nominal.month)
        if not (skip_third_friday and nominal == third):
            # A Friday on a holiday expires the session before; other weekdays are not listed.
            if is_trading_day(nominal) or nominal.weekday() == _FRIDAY:
                expiry = previous_trading_day(nominal)
            else:
                expiry = day
            if expiry > day:
                out.append(expiry)
        nominal += _WEEK
    return out


def _weeklies(day: dt.date, rules: ExpiryRules) -> list[ListedExpiry]:
    dates: list[dt.date] = []
    if day >= rules.weeklies_since:
        dates += _weekday_series(day, _FRIDAY, rules.weeklies_ahead, skip_third_friday=True)
    starts = (
        (0, rules.monday_weeklies_since),
        (1, rules.tuesday_weeklies_since),
        (2, rules.wednesday_weeklies_since),
        (3, rules.thursday_weeklies_since),
    )
    for weekday, since in starts:
        if day >= since:
            dates += _weekday_series(day, weekday, rules.short_weeklies_ahead, False)
    return [
        ListedExpiry(expiry=d, root=rules.weekly_root, am_settled=False, kind="weekly")
        for d in dates
    ]


def _quarterlies(day: dt.date, rules: ExpiryRules) -> list[ListedExpiry]:
    if day < rules.quarterlies_since:
        return []
    out: list[ListedExpiry] = []
    year, month = day.year, ((day.month - 1) // 3) * 3 + 3
    while len(out) < rules.quarterlies_ahead:
        expiry = last_trading_day_of_month(year, month)
        if expiry > day:
            out.append(
                ListedExpiry(
                    expiry=expiry, root=rules.weekly_root, am_settled=False, kind="quarterly"
                )
            )
        year, month = _add_months(year, month, 3)
    return out


def listed_expiries(day: dt.date, rules: ExpiryRules | None = None) -> list[ListedExpiry]:
    """Every expiry listed at the close of ``day``, sorted by date then root, without duplicates.

    A PM weekly that falls on the same date as a quarterly (same root) is listed once.
    """
    rules = rules or ExpiryRules()
    unique: dict[tuple[dt.date, str], ListedExpiry] = {}
    for item in _monthlies(day, rules) + _quarterlies(day, rules) + _weeklies(day, rules):
        unique.setdefault((item.expiry, item.root), item)
    return sorted(unique.values(), key=lambda e: (e.expiry, e.root))
