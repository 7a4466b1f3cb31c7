"""Suite-wide rules and the shared PostgreSQL schema fixture.

When CI=true, a test marked ``service`` that skips is turned into a failure: CI runs against real
PostgreSQL, Redis and NATS on loopback, and a skipped service test would be a silent pass.

Under pytest-xdist with ``--dist loadfile`` (CI: ``-n 2``) the tests of a file run on one worker, so
module-scoped fixtures (servers, models, Ray) are built once; the e2e files run on one worker
together, so its session ``optionswarm run`` and chromium are started once. (``xdist_group`` marks
are not used: with pytest 9.2, xdist 3.8's ``--dist loadgroup`` silently ignores them.)
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Generator, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


if importlib.util.find_spec("xdist") is not None:
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

    _ONE_WORKER_DIRS = ("tests/e2e/",)  # share one ``optionswarm run`` and one chromium

    class _FileScheduling(LoadFileScheduling):  # type: ignore[misc]
        """``--dist loadfile``, except that every file under a directory of ``_ONE_WORKER_DIRS``
        runs on one worker with the rest of that directory; files go out in collection order
        (heaviest first, see ``pytest_collection_modifyitems``), not by their number of tests."""

        def __init__(self, config: pytest.Config, log: Any = None) -> None:
            super().__init__(config, log)
            config.option.loadscopereorder = False

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((d for d in _ONE_WORKER_DIRS if path.startswith(d)), path)

    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        """The scheduler of ``--dist loadfile`` (other modes keep xdist's own)."""
        return _FileScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


_HEAVY_FIRST = (  # the longest files start first, so that no worker ends alone on one of them
    "tests/e2e/",
    "tests/integration/cluster/test_role_faults.py",
    "tests/integration/cluster/test_roles_equal.py",
    "tests/integration/scaleout/test_ray_sweep.py",
    "tests/integration/api/test_schemathesis.py",
    "tests/unit/backtest/",
    "tests/integration/llm/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Heaviest files first (a stable sort: each file keeps its own order)."""

    def weight(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return next(
            (i for i, prefix in enumerate(_HEAVY_FIRST) if path.startswith(prefix)),
            len(_HEAVY_FIRST),
        )

    items.sort(key=weight)


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
