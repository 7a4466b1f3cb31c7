"""Backtest jobs over real HTTP: each runs in its own process; progress, JSON and HTML come back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from optionswarm.api.testkit import PASSWORD, ServerThread, SmallRuntime, bearer, security_for


@pytest.fixture(scope="module")
def jobs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    state: Path = tmp_path_factory.mktemp("jobs")
    thread = ServerThread(SmallRuntime(state), security_for()).start()
    yield thread
    thread.stop()


def _wait(
    client: httpx.Client, job_id: str, headers: dict[str, str]
) -> tuple[dict[str, Any], list[float]]:
    seen: list[float] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        job = client.get(f"/api/backtests/{job_id}", headers=headers).json()
        seen.append(job["progress"])
        if job["state"] in {"done", "failed"}:
            return job, seen
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.mark.slow
def test_a_backtest_runs_in_its_own_process_and_returns_json_and_html(
    jobs_server: ServerThread,
) -> None:
    with httpx.Client(base_url=jobs_server.url, timeout=30) as client:
        login = {"username": "trader", "password": PASSWORD}
        trader = bearer(client.post("/api/auth/login", json=login).json()["access_token"])
        params = {
            "strategy": "buy-and-hold",
            "underlying": "sp500",
            "start": "2018-01-02",
            "end": "2018-06-29",
        }
        started = client.post("/api/backtests", json=params, headers=trader)
        assert started.status_code == 202
        job_id = started.json()["job_id"]
        assert started.json()["state"] == "queued"
        early = client.get(f"/api/backtests/{job_id}/result", headers=trader)
        assert early.status_code == 409
        failing = client.post(
            "/api/backtests", json={**params, "underlying": "nowhere"}, headers=trader
        )
        job, progress = _wait(client, job_id, trader)
        assert job["state"] == "done", job
        assert job["progress"] == 1.0
        assert progress == sorted(progress)  # progress only moves forward
        assert job["started_ns"] <= job["finished_ns"]
        result = client.get(f"/api/backtests/{job_id}/result", headers=trader)
        assert result.headers["content-type"].startswith("application/json")
        document = result.json()
        assert document["trades"] >= 1
        assert document["provenance"]
        report = client.get(f"/api/backtests/{job_id}/report", headers=trader)
        assert report.headers["content-type"].startswith("text/html")
        assert "<html" in report.text.lower()
        failed, _ = _wait(client, failing.json()["job_id"], trader)
        assert failed["state"] == "failed"
        assert "nowhere" in failed["error"]
        listed = [j["job_id"] for j in client.get("/api/backtests", headers=trader).json()]
        assert listed == [failing.json()["job_id"], job_id]
