"""Parameter sweeps: one backtest per point of a grid, run serially or fanned out on Ray.

``--param strategy.target_delta=0.15,0.20,0.25 --param strategy.take_profit=0.5,0.75`` is the
Cartesian product of the values (6 points, first parameter slowest). Every point is validated
as a whole ``Settings`` before anything runs, so a bad value fails at once with its key named.

Points that share the ``backtest`` section are cut into as many contiguous chunks as the
executor has workers; each chunk is one task that replays the window once through one node per
point (``run_backtests``), each node with its own in-memory audit log. A node never sees another
node's events, so a point's metrics and audit root are the same in any chunk, on any worker:
the serial sweep (one chunk) and the Ray sweep give identical documents apart from ``timings``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from optionswarm.backtest.audit import in_memory_audit_log
from optionswarm.backtest.executors import Executor
from optionswarm.backtest.results import TIMINGS_KEY, build_document
from optionswarm.backtest.runner import run_backtests
from optionswarm.config import ConfigError, Settings, load_settings

__all__ = ["SweepGrid", "parse_params", "run_sweep", "sweep_settings"]

_DROPPED = {TIMINGS_KEY, "settings", "daily", "trades_table", "costs", "provenance"}
_DROPPED |= {"strategy_report", "strategy", "underlying", "initial_equity"}


@dataclass(frozen=True)
class SweepGrid:
    """Parameter paths (``section.field``) and the values each takes, in the order given."""

    values: dict[str, tuple[str, ...]]

    def points(self) -> list[dict[str, str]]:
        """Every combination, the first parameter varying slowest."""
        keys = list(self.values)
        return [
            dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*self.values.values())
        ]


def parse_params(specs: Sequence[str]) -> SweepGrid:
    """Parse ``section.field=v1,v2,...`` specifications (``ValueError`` naming a bad one)."""
    values: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        key, sep, rest = spec.partition("=")
        key = key.strip()
        parts = key.split(".")
        items = tuple(v.strip() for v in rest.split(","))
        if not sep or len(parts) != 2 or not all(parts) or not all(items):
            raise ValueError(f"--param {spec!r} is not like strategy.target_delta=0.15,0.20")
        if key in values:
            raise ValueError(f"--param {key} is given twice")
        if len(set(items)) != len(items):
            raise ValueError(f"--param {key} repeats a value")
        values[key] = items
    if not values:
        raise ValueError("a sweep needs at least one --param")
    return SweepGrid(values)


def _merged(base: Mapping[str, Mapping[str, Any]], point: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {section: dict(v) for section, v in base.items()}
    for key, value in point.items():
        section, field = key.split(".")
        merged.setdefault(section, {})[field] = value
    return merged


def sweep_settings(
    config: Path | None, overrides: Mapping[str, Mapping[str, Any]], grid: SweepGrid
) -> list[Settings]:
    """One validated ``Settings`` per grid point (``ConfigError`` naming the point and key)."""
    out = []
    for point in grid.points():
        try:
            out.append(load_settings(config, **_merged(overrides, point)))
        except ConfigError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in point.items())
            raise ConfigError(f"point {shown}: {exc}") from None
    return out


@dataclass(frozen=True)
class _Chunk:
    """Points replayed together in one task (they share the ``backtest`` section)."""

    indices: tuple[int, ...]
    settings: tuple[Settings, ...]
    audit: bool


def _chunks(points: Sequence[Settings], workers: int, audit: bool) -> list[_Chunk]:
    groups: dict[str, list[int]] = {}
    for i, settings in enumerate(points):
        groups.setdefault(settings.backtest.model_dump_json(), []).append(i)
    chunks = []
    for members in groups.values():
        count = min(workers, len(members))
        size, extra = divmod(len(members), count)
        start = 0
        for c in range(count):
            part = tuple(members[start : start + size + (1 if c < extra else 0)])
            start += len(part)
            chunks.append(_Chunk(part, tuple(points[i] for i in part), audit))
    return chunks


def _metrics(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in _DROPPED}


def run_chunk(chunk: _Chunk) -> tuple[list[tuple[int, dict[str, Any]]], float]:
    """Replay one chunk (a task body): ``(point index, metrics)`` per point, and the seconds
    the replay took."""
    audits = [in_memory_audit_log() if chunk.audit else None for _ in chunk.settings]
    runs = run_backtests(list(chunk.settings), audits=audits)
    rows = [
        (index, _metrics(build_document(run)))
        for index, run in zip(chunk.indices, runs, strict=True)
    ]
    return rows, runs[0].elapsed_s


def _value(settings: Settings, key: str) -> Any:
    section, field = key.split(".")
    return settings.model_dump(mode="json")[section][field]


def _best(points: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = [p for p in points if p["metrics"].get("sharpe") is not None]
    if not scored:
        return None
    top = max(scored, key=lambda p: float(p["metrics"]["sharpe"]))
    return {"by": "sharpe", "params": top["params"], "sharpe": top["metrics"]["sharpe"]}


def run_sweep(
    points: Sequence[Settings], grid: SweepGrid, executor: Executor, *, audit: bool = True
) -> dict[str, Any]:
    """Run every point on ``executor``; the JSON-ready sweep document (see the module doc)."""
    started = time.perf_counter()
    chunks = _chunks(points, executor.workers, audit)
    done = executor.map(run_chunk, chunks)
    by_index = {index: metrics for rows, _ in done for index, metrics in rows}
    rows = [
        {"params": {key: _value(settings, key) for key in grid.values}, "metrics": by_index[i]}
        for i, settings in enumerate(points)
    ]
    first = points[0]
    return {
        "sweep": {
            "params": {key: list(values) for key, values in grid.values.items()},
            "count": len(points),
        },
        "base": {
            "strategy": first.strategy.name,
            "underlying": first.backtest.underlying,
            "start": first.backtest.start.isoformat(),
            "end": first.backtest.end.isoformat(),
            "seed": first.backtest.seed,
        },
        "points": rows,
        "best": _best(rows),
        TIMINGS_KEY: {
            "executor": executor.name,
            "workers": executor.workers,
            "tasks": len(chunks),
            "elapsed_s": time.perf_counter() - started,
            "task_elapsed_s": [elapsed for _, elapsed in done],
        },
    }
