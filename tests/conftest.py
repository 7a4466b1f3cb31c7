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
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Generator, Iterator
from pathlib import Path
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


NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


class NatsServer:
    """A private ``nats-server`` with JetStream on a fixed port and store directory (for tests
    that kill and restart the server mid-stream)."""

    def __init__(self, port: int, store: Path) -> None:
        self.port, self.store = port, store
        self.url = f"nats://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._accepts():
            assert time.monotonic() < deadline, "nats-server did not start"
            time.sleep(0.01)

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
        except OSError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL, as a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A started private ``nats-server`` (JetStream store in the test's tmp dir), killed after."""
    if not Path(NATS_SERVER).exists():
        pytest.skip("nats-server binary not installed")  # CI turns this skip into a failure
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = NatsServer(port, tmp_path / "js")
    server.start()
    yield server
    server.kill()
