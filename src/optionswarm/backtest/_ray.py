"""``RayExecutor``: backtest work fanned out as Ray tasks (imported only for ``--executor ray``).

Without ``address`` it starts a local Ray instance of ``workers`` CPUs with no dashboard and
``RAY_AUTH_MODE=disabled`` (loopback only), and shuts it down on exit; with ``address`` it joins
that cluster and leaves it running. Each item is one task with one CPU; worker output is not
forwarded to the driver (a failing task still raises here, with its traceback).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

import ray

__all__ = ["RayExecutor"]

T = TypeVar("T")
R = TypeVar("R")


class RayExecutor:
    """Map over items with one Ray task per item (see the module docstring)."""

    name = "ray"

    def __init__(
        self, *, workers: int = 2, address: str | None = None, temp_dir: str | None = None
    ) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self._workers = workers
        self._address = address
        self._temp_dir = temp_dir
        self._own_temp: str | None = None
        self._started = False

    @property
    def workers(self) -> int:
        """CPUs of the local instance, or of the cluster once joined."""
        if ray.is_initialized():
            resources = ray.cluster_resources()  # type: ignore[no-untyped-call]  # ray: untyped
            return max(1, int(resources.get("CPU", self._workers)))
        return self._workers

    def __enter__(self) -> Self:
        if ray.is_initialized():
            return self
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if self._address is None:
            os.environ.setdefault("RAY_AUTH_MODE", "disabled")
            if self._temp_dir is None:  # short: Ray's socket paths must fit in 107 bytes
                self._own_temp = self._temp_dir = tempfile.mkdtemp(prefix="osw-ray-", dir="/tmp")
            kwargs.update(num_cpus=self._workers, _temp_dir=self._temp_dir)
        else:
            kwargs["address"] = self._address
        ray.init(**kwargs)
        self._started = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._started:
            ray.shutdown()
            self._started = False
        if self._own_temp is not None:
            shutil.rmtree(self._own_temp, ignore_errors=True)
            self._own_temp = None

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(item) for item in items]``, one task per item, results in the items' order."""
        if not items:
            return []
        if not ray.is_initialized():
            with self:
                return self.map(fn, items)
        remote = ray.remote(num_cpus=1, max_retries=0)(fn)
        results: list[R] = ray.get([remote.remote(item) for item in items])
        return results
