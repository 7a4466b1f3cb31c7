"""`optionswarm run` as a user starts it: a real process, real HTTP, stopped by SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from optionswarm.audit import AuditConfig, AuditLog


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "optionswarm run exited early"
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("optionswarm run did not become healthy")


_BARS_SEEN = 'optionswarm_events_total{topic="market.bars"}'


def _samples(url: str) -> dict[str, float]:
    metrics = httpx.get(f"{url}/metrics", timeout=5)
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in metrics.text.splitlines()
        if line and not line.startswith("#")
    }


def _wait_for_a_session(url: str, timeout: float = 60.0) -> dict[str, float]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        samples = _samples(url)
        if samples.get(_BARS_SEEN, 0.0) >= 1:
            return samples
        time.sleep(0.2)
    raise AssertionError("no session was replayed")


def test_run_serves_the_node_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTIONSWARM_")}
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "optionswarm"),
            "run",
            "--port",
            str(port),
            "--state-dir",
            str(tmp_path),
            "--strategy",
            "short-put-spread",
            "--speed",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        ready = httpx.get(f"{url}/ready", timeout=5).json()
        assert ready["ready"] is True
        assert ready["components"]["risk"] == "running"
        assert httpx.get(f"{url}/api/status", timeout=5).status_code == 401  # no token, no data
        samples = _wait_for_a_session(url)  # /metrics serves the running node's own metrics
        assert samples["optionswarm_portfolio_equity_dollars"] > 0  # the first session's snapshot
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr[-2000:]
    password = re.search(r"created user 'admin' with password: (\S+)", stderr)
    assert password is not None  # shown once on the terminal on first start
    assert "runtime stopped" in stderr
    assert password.group(1) not in stderr.replace(password.group(0), "")  # never logged again
    [run_dir] = (tmp_path / "runs").iterdir()
    log = AuditLog.from_config(
        AuditConfig(key_path=str(tmp_path / "audit-signing-key.pem")),
        f"sqlite:///{run_dir / 'audit.db'}",
    )
    checkpoint = log.latest_checkpoint()
    assert log.size > 0  # the replay ran and was audited (logins and denials too)
    assert checkpoint is not None
    assert checkpoint.size == log.size  # the final checkpoint covers every record
    assert log.verify().ok
