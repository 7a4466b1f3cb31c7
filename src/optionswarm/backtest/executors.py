"""Where independent backtest work runs: in this process (serial) or fanned out on Ray.

An ``Executor`` maps a picklable, module-level function over items and returns the results in
the items' order. The serial executor imports nothing beyond the standard library; Ray is
imported only when ``executor_for("ray")`` builds a ``RayExecutor`` (the ``scale`` extra).
Because every item is a whole, deterministic backtest, the results do not depend on where it
ran: a Ray sweep gives the same metrics and audit roots as the serial one.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, Self, TypeVar

__all__ = ["Executor", "ExecutorName", "SerialExecutor", "executor_for"]

T = TypeVar("T")
R = TypeVar("R")
ExecutorName = Literal["serial", "ray"]


class Executor(Protocol):
    """Runs ``fn`` over ``items``; a context manager that releases its workers on exit."""

    name: str

    @property
    def workers(self) -> int:
        """How many items can run at once."""
        ...

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(item) for item in items]``, in order, wherever they run."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class SerialExecutor:
    """Everything in this process, one item after another."""

    name = "serial"

    @property
    def workers(self) -> int:
        """One."""
        return 1

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[fn(item) for item in items]``."""
        return [fn(item) for item in items]

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None


def executor_for(
    name: ExecutorName, *, workers: int = 2, address: str | None = None, temp_dir: str | None = None
) -> Executor:
    """The executor ``name``: ``serial``, or ``ray`` (a local instance of ``workers`` CPUs, or
    the cluster at ``address``; ``temp_dir`` holds a local instance's sockets and logs)."""
    if name == "serial":
        return SerialExecutor()
    if name == "ray":
        module: Any = importlib.import_module("optionswarm.backtest._ray")
        executor: Executor = module.RayExecutor(workers=workers, address=address, temp_dir=temp_dir)
        return executor
    raise ValueError(f"executor must be 'serial' or 'ray', not {name!r}")
