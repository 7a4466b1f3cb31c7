"""``StoreWrites``: writes wait in order while the store is unavailable and land in that order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from optionswarm.execution.store_writes import StoreWrites
from optionswarm.storage.sql import StoreUnavailableError


class _Outage:
    """Callables that raise ``StoreUnavailableError`` while ``down`` (the error PostgreSQL's
    engine raises; the service tests in tests/integration/faults cause it for real)."""

    def __init__(self) -> None:
        self.down = False
        self.landed: list[str] = []

    def write(self, name: str) -> object:
        def run() -> None:
            if self.down:
                cause = sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
                raise StoreUnavailableError("postgresql://db:5432/x", cause)
            self.landed.append(name)

        return run


def test_writes_wait_in_order_and_land_with_the_next_one() -> None:
    outage, failures = _Outage(), []
    writes = StoreWrites("execution", lambda what, error: failures.append((what, str(error))))
    assert writes.run("a", outage.write("a"))  # type: ignore[arg-type]
    outage.down = True
    assert not writes.run("b", outage.write("b"))  # type: ignore[arg-type]
    assert not writes.run("c", outage.write("c"))  # type: ignore[arg-type]
    assert (writes.pending, writes.healthy) == (2, False)
    assert failures[0][0] == "b"
    assert "postgresql://db:5432/x is unavailable: refused" in failures[0][1]
    assert writes.last_error is not None
    outage.down = False
    assert writes.run("d", outage.write("d"))  # type: ignore[arg-type]
    assert outage.landed == ["a", "b", "c", "d"]
    assert (writes.pending, writes.healthy, writes.last_error) == (0, True, None)


def test_other_errors_are_not_outages_and_propagate() -> None:
    writes = StoreWrites("execution")

    def broken() -> None:
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        writes.run("x", broken)
    assert writes.healthy  # dropped: it would fail again, and must not block later writes
    landed: list[str] = []
    assert writes.run("y", lambda: landed.append("y"))
    assert landed == ["y"]


def test_the_error_pickles_with_its_message() -> None:
    import pickle

    cause = sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
    error = pickle.loads(pickle.dumps(StoreUnavailableError("postgresql://db/x", cause)))
    assert isinstance(error, sa.exc.OperationalError)
    assert str(error) == "the transactional store at postgresql://db/x is unavailable: refused"
