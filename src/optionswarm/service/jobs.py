"""Backtest jobs: each runs in its own process, one at a time, with progress and its outputs.

The node's event loop never runs a backtest: a supervising thread starts a spawned process per
job (the existing :mod:`optionswarm.backtest` modules), reads its progress from a queue and
records the outcome. Progress is the share of the window replayed, measured at each session
close (the backtest's audit recorder writes once per session; a wrapper around its audit sink
reports the session's time). Outputs: ``<root>/<job_id>/result.json`` and ``report.html``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import multiprocessing as mp
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from optionswarm.service import views as v
from optionswarm.service.errors import BusyError, InvalidRequestError, NotFoundError, RefusedError

__all__ = ["BacktestJobs"]

_POLL_S = 0.2


def _now_ns() -> int:
    return time.time_ns()


def _overrides(params: dict[str, str]) -> dict[str, Any]:
    return {
        "backtest": {
            "underlying": params["underlying"],
            "start": params["start"],
            "end": params["end"],
        },
        "strategy": {"name": params["strategy"]},
    }


class _ProgressSink:
    """An audit sink that reports how far through the window each session close is."""

    def __init__(self, inner: Any, report: Any, start_ns: int, end_ns: int) -> None:
        self.inner = inner
        self.report = report
        self.start_ns = start_ns
        self.span = max(1, end_ns - start_ns)

    def append_many(self, events: Iterable[tuple[str, Any, int]]) -> list[Any]:
        batch = list(events)
        if batch:
            done = (max(ts for _, _, ts in batch) - self.start_ns) / self.span
            self.report(min(0.99, max(0.0, done)))
        result: list[Any] = self.inner.append_many(batch)
        return result

    def root(self, size: int | None = None) -> bytes:
        root: bytes = self.inner.root(size)
        return root


def _run_job(out_dir: str, params: dict[str, str], progress: Any) -> None:  # pragma: no cover
    """The child process: run, write JSON and HTML, report progress (measured in the parent's
    tests through the files and the queue; coverage does not follow spawned processes)."""
    from optionswarm.backtest.audit import in_memory_audit_log  # noqa: PLC0415 - child only
    from optionswarm.backtest.report import write_report  # noqa: PLC0415
    from optionswarm.backtest.results import build_document, write_json  # noqa: PLC0415
    from optionswarm.backtest.runner import run_backtest  # noqa: PLC0415
    from optionswarm.config import load_settings  # noqa: PLC0415

    settings = load_settings(None, **_overrides(params))
    start = dt.datetime.combine(settings.backtest.start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(settings.backtest.end, dt.time(23, 59), tzinfo=dt.UTC)
    sink = _ProgressSink(
        in_memory_audit_log(),
        progress.put,
        int(start.timestamp() * 1e9),
        int(end.timestamp() * 1e9),
    )
    run = run_backtest(settings, audit=sink)
    document = build_document(run)
    out = Path(out_dir)
    write_json(document, out / "result.json")
    write_report(document, out / "report.html")


def _child(out_dir: str, params: dict[str, str], progress: Any) -> None:  # pragma: no cover
    try:
        _run_job(out_dir, params, progress)
    except BaseException as exc:
        Path(out_dir, "error.txt").write_text(f"{type(exc).__name__}: {exc}"[:2000])
        raise SystemExit(1) from None


class BacktestJobs:
    """Queued backtests: at most ``max_queued`` waiting, one running; ``close`` stops them."""

    def __init__(
        self, root: Path, *, max_queued: int = 4, keep: int = 50, autostart: bool = True
    ) -> None:
        self.root = root
        self.autostart = autostart  # False: jobs wait in the queue (API tests)
        self.max_queued = max_queued
        self.keep = keep
        self._jobs: dict[str, v.Job] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._process: Any = None
        self._closed = False
        self._seq = itertools.count(1)
        self._ctx = mp.get_context("spawn")
        self._worker: threading.Thread | None = None

    # -- submitting and reading ---------------------------------------------------------------
    def submit(self, request: v.BacktestRequest, submitted_by: str) -> v.Job:
        """Validate the settings here (a bad window is a 422, not a failed job) and queue."""
        from optionswarm.config import ConfigError, load_settings  # noqa: PLC0415 - lazy

        params = request.model_dump(mode="json")
        try:
            load_settings(None, **_overrides(params))
        except ConfigError as exc:
            raise InvalidRequestError("invalid_backtest", str(exc)) from None
        with self._lock:
            if self._closed:
                raise BusyError("shutting_down", "the service is stopping")
            waiting = sum(1 for j in self._jobs.values() if j.state in {"queued", "running"})
            if waiting >= self.max_queued:
                raise BusyError("too_many_jobs", f"{waiting} backtests are queued or running")
            job_id = f"bt-{next(self._seq):04d}-{uuid.uuid4().hex[:8]}"
            job = v.Job(
                job_id=job_id,
                state="queued",
                progress=0.0,
                params=params,
                created_ns=_now_ns(),
                submitted_by=submitted_by,
            )
            self._jobs[job_id] = job
            self._prune()
            if self._worker is None and self.autostart:
                self._worker = threading.Thread(target=self._work, name="backtests", daemon=True)
                self._worker.start()
        self._queue.put(job_id)
        return job

    def _prune(self) -> None:
        done = [j for j in self._jobs.values() if j.state in {"done", "failed"}]
        for job in sorted(done, key=lambda j: j.created_ns)[: max(0, len(done) - self.keep)]:
            del self._jobs[job.job_id]
            shutil.rmtree(self.root / job.job_id, ignore_errors=True)

    def all_jobs(self) -> list[v.Job]:
        """Every kept job, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_ns, reverse=True)

    def get(self, job_id: str) -> v.Job:
        """One job (``NotFoundError`` if unknown)."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError("job_not_found", f"no backtest job {job_id!r}")
        return job

    def output(self, job_id: str, name: str) -> Path:
        """The path of a finished job's ``result.json`` or ``report.html``."""
        job = self.get(job_id)
        if job.state != "done":
            raise RefusedError("job_not_done", f"job {job_id} is {job.state}: no output yet")
        return self.root / job_id / name

    # -- the worker thread --------------------------------------------------------------------
    def _update(self, job_id: str, **fields: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None:
                self._jobs[job_id] = job.model_copy(update=fields)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None or self._closed:
                return
            self._run(job_id)

    def _run(self, job_id: str) -> None:
        out = self.root / job_id
        out.mkdir(parents=True, exist_ok=True)
        progress: Any = self._ctx.Queue()
        params = self.get(job_id).params
        process = self._ctx.Process(target=_child, args=(str(out), params, progress), daemon=True)
        self._update(job_id, state="running", started_ns=_now_ns())
        with self._lock:
            self._process = process
        process.start()
        while process.is_alive() or not progress.empty():
            try:
                self._update(job_id, progress=float(progress.get(timeout=_POLL_S)))
            except queue.Empty:
                continue
        process.join()
        with self._lock:
            self._process = None
        if process.exitcode == 0 and (out / "result.json").is_file():
            self._update(job_id, state="done", progress=1.0, finished_ns=_now_ns())
            return
        error_file = out / "error.txt"
        error = error_file.read_text() if error_file.is_file() else f"exit code {process.exitcode}"
        self._update(job_id, state="failed", finished_ns=_now_ns(), error=error)

    def close(self) -> None:
        """Stop the running process and drop the queue (queued jobs are marked failed)."""
        with self._lock:
            self._closed = True
            process = self._process
            for job_id, job in self._jobs.items():
                if job.state in {"queued", "running"}:
                    self._jobs[job_id] = job.model_copy(
                        update={"state": "failed", "error": "the service stopped"}
                    )
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout=5)
        self._queue.put(None)
