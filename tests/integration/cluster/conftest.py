"""Fixtures for the multi-process node: role processes, their settings, a NATS client."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from optionswarm.bus import BusError
from optionswarm.bus.nats import NatsBus, NatsBusConfig

from .runs import single_process_run, write_config


def optionswarm_command() -> list[str]:
    """The installed console script (the same entry point a user runs)."""
    script = shutil.which("optionswarm") or str(Path(sys.executable).parent / "optionswarm")
    return [script]


class RoleProcess:
    """One ``optionswarm run --role R`` subprocess with its output in a file."""

    def __init__(self, role: str, config: Path, log_dir: Path) -> None:
        self.role = role
        self.config = config
        self.log_path = log_dir / f"{role}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RoleProcess:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [*optionswarm_command(), "run", "--role", self.role, "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        return self

    def signal(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The single-process reference run of the replay (once per module)."""
    root = tmp_path_factory.mktemp("single")
    config = write_config(
        root / "single.toml", state_dir=root / "state", prefix="unused", storage_url=None
    )
    return single_process_run(config)


@pytest.fixture
def nats_prefix() -> str:
    """A NATS subject/stream prefix of this test alone."""
    return f"osw{uuid.uuid4().hex[:10]}"


@pytest.fixture
def nats_client(nats_prefix: str) -> Iterator[NatsBus]:
    """A NATS client on the test's prefix (skips where NATS is unreachable; fails in CI)."""
    try:
        bus = NatsBus(NatsBusConfig(prefix=nats_prefix, consumer="test", request_timeout_s=2.0))
    except BusError as error:
        pytest.skip(f"NATS is not reachable on 127.0.0.1:4222: {error}")
    yield bus
    bus.close()


@pytest.fixture
def roles(tmp_path: Path) -> Iterator[Callable[[str, Path], RoleProcess]]:
    """Start role processes; every one still running at the end is killed (its log printed)."""
    started: list[RoleProcess] = []

    def start(role: str, config: Path) -> RoleProcess:
        process = RoleProcess(role, config, tmp_path).start()
        started.append(process)
        return process

    yield start
    for process in started:
        state = "exited"
        if process.alive():
            process.signal(signal.SIGKILL)
            process.wait(10)
            state = "killed at teardown"
        print(f"--- {process.role} ({state}) ---\n{process.output()[-4000:]}")


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until true, or fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
