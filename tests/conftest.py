"""Suite-wide rules.

When CI=true, a test marked ``service`` that skips is turned into a failure: CI runs against real
PostgreSQL, Redis and NATS on loopback, and a skipped service test would be a silent pass.
"""

from __future__ import annotations

import os
from collections.abc import Generator

import pytest

_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if _IN_CI and report.skipped and item.get_closest_marker("service") is not None:
        report.outcome = "failed"
        report.longrepr = (
            f"service test {item.nodeid} skipped in CI ({report.longrepr!r}); "
            "CI must reach the real services on loopback"
        )
