"""The expiry / event calendar agent: a risk agent that flags sessions to stay out of.

It flags (from the data layer's NYSE calendar and expiry rules, nothing else):

* **holiday eve** -- the next weekday is an exchange holiday (a long weekend or a mid-week
  closure follows: gap risk with no way to adjust);
* **monthly expiry** -- within ``expiry_window_days`` calendar days before the month's standard
  expiry (third Friday, moved to the previous session on a holiday): pin and gamma risk.

A flag is a neutral, flat-vol view with conviction 1 (consensus treats it as a veto when the
agent is listed in ``ConsensusConfig.veto_agents``); otherwise the agent abstains with
``no_event``. Scheduled macro events (FOMC, CPI) are not covered: no such calendar ships offline.
"""

from __future__ import annotations

import datetime as dt
import functools

import msgspec

from optionswarm.agents.protocol import MarketState
from optionswarm.data.calendar import NEW_YORK, is_trading_day, previous_trading_day
from optionswarm.data.expiries import third_friday
from optionswarm.model import NS_PER_DAY, Direction, View, VolView

__all__ = ["NO_EVENT", "CalendarAgent", "CalendarConfig", "calendar_flags"]

NO_EVENT = "no_event"  # abstention: no calendar event near this session


class CalendarConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Which calendar events to flag."""

    flag_holiday_eve: bool = True
    flag_monthly_expiry: bool = True
    expiry_window_days: int = 2  # flag the expiry day and this many calendar days before it


@functools.lru_cache(maxsize=4096)
def _monthly_expiry(year: int, month: int) -> dt.date:
    return previous_trading_day(third_friday(year, month))


@functools.lru_cache(maxsize=8192)
def calendar_flags(day: dt.date, config: CalendarConfig) -> tuple[str, ...]:
    """The calendar flags of session ``day`` (an empty tuple when nothing is near)."""
    flags = []
    if config.flag_holiday_eve:
        nxt = day + dt.timedelta(days=1)
        while nxt.weekday() >= 5:
            nxt += dt.timedelta(days=1)
        if not is_trading_day(nxt):
            flags.append(f"holiday eve: the exchange is closed on {nxt.isoformat()}")
    if config.flag_monthly_expiry:
        expiry = _monthly_expiry(day.year, day.month)
        days_to = (expiry - day).days
        if 0 <= days_to <= config.expiry_window_days:
            flags.append(f"monthly expiry on {expiry.isoformat()} ({days_to} days away)")
    return tuple(flags)


@functools.lru_cache(maxsize=8192)
def _new_york_day(ts_ns: int) -> dt.date:
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=NEW_YORK).date()


class CalendarAgent:
    """Flags holiday eves and monthly-expiry days (see the module docstring)."""

    def __init__(self, agent_id: str = "calendar", config: CalendarConfig | None = None) -> None:
        self.agent_id = agent_id
        self.config = config or CalendarConfig()

    def on_update(self, state: MarketState) -> View:
        """A flag (conviction 1) or an abstention with ``no_event``."""
        day = _new_york_day(state.ts_ns)
        flags = calendar_flags(day, self.config)
        if not flags:
            return View.abstain(
                self.agent_id,
                state.underlying,
                state.ts_ns,
                NO_EVENT,
                f"{day.isoformat()}: no holiday or monthly expiry near.",
                ttl_ns=NS_PER_DAY,
                horizon_days=1,
            )
        return View(
            agent_id=self.agent_id,
            underlying=state.underlying,
            ts_ns=state.ts_ns,
            direction=Direction.NEUTRAL,
            probability=0.5,
            vol_view=VolView.FLAT,
            conviction=1.0,
            horizon_days=1,
            rationale=f"{day.isoformat()}: " + "; ".join(flags) + ". Open no new risk.",
            ttl_ns=NS_PER_DAY,
        )
