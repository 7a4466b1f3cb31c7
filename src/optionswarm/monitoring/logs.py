"""Structured logs (structlog): to standard error, never standard output.

Standard output belongs to what a command prints (JSON from ``--json`` and the benchmarks, tables),
so logs go to standard error. Unconfigured, structlog prints every level to standard output; the
package therefore installs this default on import unless the application configured structlog first.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog

__all__ = ["configure_logging", "install_default_logging"]

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING}


def configure_logging(
    level: str = "info", *, json: bool = False, stream: TextIO | None = None
) -> None:
    """Log at ``level`` and above to ``stream`` (standard error), as JSON lines or for a console."""
    try:
        threshold = _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"log level must be one of {sorted(_LEVELS)}, not {level!r}") from None
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(threshold),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def install_default_logging() -> None:
    """Info and above to standard error, unless structlog was already configured."""
    if not structlog.is_configured():
        configure_logging("info")
