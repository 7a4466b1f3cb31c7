"""Analyst roles and the prompts built from an ``AnalystContext`` (deterministic text).

Same context, same role, same other views -> byte-identical prompt, so the answer cache hits
on a replay. Numbers are rounded to four significant digits; unknown values say so.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import msgspec

from optionswarm.agents.slow.context import AnalystContext
from optionswarm.model import View

__all__ = ["BEAR", "BULL", "DEFAULT_ROLES", "RISK_SCEPTIC", "VOLATILITY", "AnalystRole", "messages"]


class AnalystRole(msgspec.Struct, frozen=True, kw_only=True):
    """One analyst's name (part of its agent id), title and lens."""

    name: str
    title: str
    lens: str


BULL = AnalystRole(
    name="bull",
    title="bull analyst",
    lens="You look for reasons the underlying will rise, but say neutral when there are none.",
)
BEAR = AnalystRole(
    name="bear",
    title="bear analyst",
    lens="You look for reasons the underlying will fall, but say neutral when there are none.",
)
VOLATILITY = AnalystRole(
    name="volatility",
    title="volatility analyst",
    lens="You judge whether implied volatility will rise or fall, comparing it with realised.",
)
RISK_SCEPTIC = AnalystRole(
    name="risk_sceptic",
    title="risk sceptic",
    lens="You doubt every strong call and point out what could go wrong; prefer low conviction.",
)
DEFAULT_ROLES: tuple[AnalystRole, ...] = (BULL, BEAR, VOLATILITY, RISK_SCEPTIC)

_FORMAT = (
    'Answer with one JSON object only: {"direction": "bullish" or "bearish" or "neutral", '
    '"volatility": "rising" or "falling" or "flat", "conviction": "low" or "medium" or "high", '
    '"reason": one short sentence}. Use only the information given.'
)


def _num(value: float) -> str:
    return f"{value:.4g}" if math.isfinite(value) else "unknown"


def _day(ts_ns: int) -> str:
    stamp = dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def _feature_lines(context: AnalystContext) -> list[str]:
    f = context.features
    if f is None:
        return ["- no market features available"]
    lines = [f"- close: {_num(f.close)}"]
    lines += [f"- return over {lag} bars: {_num(v)}" for lag, v in sorted(f.returns.items())]
    lines += [f"- realised vol {w} bars: {_num(v)}" for w, v in sorted(f.realised_vol.items())]
    lines += [
        f"- ATM implied vol: {_num(f.atm_iv)}",
        f"- IV rank: {_num(f.iv_rank)}",
        f"- skew: {_num(f.skew)}",
        f"- term slope: {_num(f.term_slope)}",
        f"- implied minus realised vol: {_num(f.vrp)}",
    ]
    return lines


def _view_line(view: View) -> str:
    return (
        f"- {view.agent_id}: {view.direction.value}, volatility {view.vol_view.value}, "
        f"conviction {view.conviction:.2f}: {view.rationale[:160]}"
    )


def messages(
    role: AnalystRole,
    context: AnalystContext,
    others: Sequence[View] = (),
) -> tuple[tuple[str, str], ...]:
    """The (role, content) chat turns for ``role`` on ``context`` (``others``: debate round)."""
    system = f"You are the {role.title} on an options desk. {role.lens} {_FORMAT}"
    parts = [
        f"Decision time: {_day(context.ts_ns)}. Underlying: {context.underlying}.",
        "Market features:",
        *_feature_lines(context),
    ]
    if context.headlines:
        parts.append("Headlines (newest last):")
        parts += [f"- [{_day(h.published_ns)[:10]}] {h.title}" for h in context.headlines]
    if context.cases:
        parts.append("Similar past cases:")
        parts += [f"- {c.situation} -> {c.outcome}" for c in context.cases]
    if others:
        parts.append("The other analysts said:")
        parts += [_view_line(v) for v in sorted(others, key=lambda v: v.agent_id)]
    parts.append("Your answer:")
    return (("system", system), ("user", "\n".join(parts)))
