"""Fixtures for the pricing tests: the external reference cases and a QuantLib pricer.

The reference file lives beside the clone (``../shared/reference/pricing-cases.json``); outside CI
a missing file skips the tests that need it, in CI (CI=true) it fails them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

QuantLib = pytest.importorskip("QuantLib")

_REPO_ROOT = Path(__file__).resolve().parents[3]
REFERENCE_PATH = _REPO_ROOT / ".." / "shared" / "reference" / "pricing-cases.json"
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def reference_cases() -> dict[str, Any]:
    """The pricing-cases.json document (skip outside CI if absent, fail in CI)."""
    if not REFERENCE_PATH.is_file():
        message = f"reference cases not found at {REFERENCE_PATH.resolve()}"
        if _IN_CI:
            pytest.fail(message + " (CI must provide ../shared beside the clone)")
        pytest.skip(message)
    data: dict[str, Any] = json.loads(REFERENCE_PATH.read_text(encoding="utf-8"))
    return data


QlPricer = Callable[..., Any]


@pytest.fixture(scope="session")
def ql_option() -> QlPricer:
    """Build a priced QuantLib VanillaOption: ``ql_option(S, K, days, r, q, vol, is_call,
    american=False, engine=None, day_count=365)``; T = days / day_count exactly."""
    ql = QuantLib  # QuantLib's customary short name
    today = ql.Date(15, 1, 2024)

    def build(  # noqa: PLR0917  # mirrors the (S, K, T, r, q, sigma, is_call) pricing signature
        S: float,
        K: float,
        days: int,
        r: float,
        q: float,
        vol: float,
        is_call: bool,
        *,
        american: bool = False,
        engine: Callable[[Any], Any] | None = None,
        day_count: int = 365,
    ) -> Any:
        ql.Settings.instance().evaluationDate = today
        dc = ql.Actual365Fixed() if day_count == 365 else ql.Actual360()
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(S)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, q, dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, r, dc)),
            ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)),
        )
        payoff = ql.PlainVanillaPayoff(ql.Option.Call if is_call else ql.Option.Put, K)
        expiry = today + days
        exercise = ql.AmericanExercise(today, expiry) if american else ql.EuropeanExercise(expiry)
        option = ql.VanillaOption(payoff, exercise)
        option.setPricingEngine(engine(process) if engine else ql.AnalyticEuropeanEngine(process))
        return option

    return build
