"""NYSE calendar and expiry listing rules, checked against the real trading days in arch.data."""

from __future__ import annotations

import datetime as dt

from optionswarm.data.calendar import (
    easter_sunday,
    is_trading_day,
    last_trading_day_of_month,
    nyse_holidays,
    previous_trading_day,
    session_close_ns,
    trading_days,
)
from optionswarm.data.expiries import ExpiryRules, listed_expiries, third_friday
from optionswarm.data.sources import ArchDataSource


def test_calendar_matches_every_session_of_the_real_sp500_series() -> None:
    real = ArchDataSource().bars("sp500").days.tolist()
    assert trading_days(dt.date(1999, 1, 4), dt.date(2018, 12, 31)) == real


def test_holiday_rules_for_known_years() -> None:
    assert dt.date(2010, 12, 31) not in nyse_holidays(2010)  # Saturday New Year not observed
    assert dt.date(2017, 1, 2) in nyse_holidays(2017)  # Sunday New Year -> Monday
    assert dt.date(2022, 6, 20) in nyse_holidays(2022)  # Juneteenth observed Monday
    assert dt.date(2021, 6, 18) not in nyse_holidays(2021)  # before Juneteenth was a holiday
    assert dt.date(2021, 12, 24) in nyse_holidays(2021)  # Christmas Saturday -> Friday
    assert easter_sunday(2014) == dt.date(2014, 4, 20)
    assert easter_sunday(2019) == dt.date(2019, 4, 21)
    assert not is_trading_day(dt.date(2012, 10, 29))  # Hurricane Sandy
    assert previous_trading_day(dt.date(2018, 3, 30)) == dt.date(2018, 3, 29)  # Good Friday
    assert last_trading_day_of_month(2018, 3) == dt.date(2018, 3, 29)


def test_session_close_is_16_00_new_york_in_utc_across_daylight_saving() -> None:
    winter = dt.datetime(2018, 1, 5, 21, 0, tzinfo=dt.UTC)
    summer = dt.datetime(2018, 7, 5, 20, 0, tzinfo=dt.UTC)
    assert session_close_ns(dt.date(2018, 1, 5)) == int(winter.timestamp()) * 10**9
    assert session_close_ns(dt.date(2018, 7, 5)) == int(summer.timestamp()) * 10**9


def test_good_friday_monthly_expiry_moves_to_thursday() -> None:
    # April 2014: the third Friday (18th) was Good Friday.
    assert third_friday(2014, 4) == dt.date(2014, 4, 18)
    april = [e for e in listed_expiries(dt.date(2014, 4, 10)) if e.kind == "monthly"]
    assert april[0].expiry == dt.date(2014, 4, 17)
    assert april[0].root == "SPX"
    assert april[0].am_settled


def test_listing_on_2018_02_05_has_weeklies_monthlies_quarterlies_and_leaps() -> None:
    listed = listed_expiries(dt.date(2018, 2, 5))
    kinds = {e.kind for e in listed}
    assert kinds == {"weekly", "monthly", "quarterly", "leap"}
    assert all(e.expiry > dt.date(2018, 2, 5) for e in listed)
    assert all(is_trading_day(e.expiry) for e in listed)
    monthly = [e for e in listed if e.kind == "monthly"]
    assert len(monthly) == 12
    assert all(e.root == "SPX" and e.am_settled for e in monthly)
    weekly = [e for e in listed if e.root == "SPXW"]
    assert all(not e.am_settled for e in weekly)
    # Monday and Wednesday weeklies exist in 2018; the Monday 2018-02-19 holiday is not listed.
    weekdays = {e.expiry.weekday() for e in weekly}
    assert {0, 2, 4} <= weekdays
    assert dt.date(2018, 2, 19) not in {e.expiry for e in listed}
    assert dt.date(2018, 3, 29) in {e.expiry for e in listed if e.kind == "quarterly"}
    keys = [(e.expiry, e.root) for e in listed]
    assert keys == sorted(set(keys))


def test_weeklies_are_absent_before_their_launch() -> None:
    listed = listed_expiries(dt.date(2003, 6, 2))
    assert {e.root for e in listed} == {"SPX"}
    rules = ExpiryRules(monthlies_ahead=3, leap_years_ahead=0)
    assert len(listed_expiries(dt.date(2003, 6, 2), rules)) == 3


def test_monthly_expiring_today_is_not_listed_after_the_close() -> None:
    listed = listed_expiries(dt.date(2018, 3, 16))
    assert dt.date(2018, 3, 16) not in {e.expiry for e in listed}
