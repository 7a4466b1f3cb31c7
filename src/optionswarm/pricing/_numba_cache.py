"""Make sure numba's on-disk cache has somewhere to go before any kernel is decorated.

numba caches compiled kernels (``cache=True``) beside the source, in ``__pycache__``, or else in
the user's cache dir; with neither writable (a read-only install in a container without a home)
it refuses at import time. Then we point ``numba.config.CACHE_DIR`` at a per-user temp dir.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["cache_dir_fallback", "ensure_cache_dir"]


def _writable(directory: Path) -> bool:
    existing = directory
    while not existing.exists():
        if existing.parent == existing:
            return False
        existing = existing.parent
    return existing.is_dir() and os.access(existing, os.W_OK | os.X_OK)


def cache_dir_fallback(configured: str, candidates: list[Path]) -> str | None:
    """The cache dir to configure, or None when numba will find one by itself."""
    if configured or any(_writable(path) for path in candidates):
        return None
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return str(Path(tempfile.gettempdir()) / f"optionswarm-numba-{uid}")


def ensure_cache_dir() -> None:
    """Configure a writable numba cache dir if neither default location is writable."""
    from numba.core import config  # noqa: PLC0415 - numba's config, read at decoration time

    candidates = [Path(__file__).with_name("__pycache__"), Path.home() / ".cache" / "numba"]
    settings = vars(config)  # numba sets its config attributes dynamically
    fallback = cache_dir_fallback(str(settings.get("CACHE_DIR") or ""), candidates)
    if fallback is not None:
        Path(fallback).mkdir(parents=True, exist_ok=True)
        settings["CACHE_DIR"] = fallback
