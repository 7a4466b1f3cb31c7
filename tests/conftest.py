"""Suite-wide rules and the shared PostgreSQL schema fixture.

When CI=true, a test marked ``service`` that skips is turned into a failure: CI runs against real
PostgreSQL, Redis and NATS on loopback, and a skipped service test would be a silent pass.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Generator, Iterator

import pytest
import sqlalchemy as sa

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


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh schema on the loopback PostgreSQL, dropped afterwards (skips where PostgreSQL is
    unreachable; CI turns that skip of a ``service`` test into a failure)."""
    admin = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test", isolation_level="AUTOCOMMIT"
    )
    name = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {name}")
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432: {error.orig}")
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()
