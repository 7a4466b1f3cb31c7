"""The ``storage_errors`` breaker: failed transactional-store writes halt trading (table-driven)."""

from __future__ import annotations

import pytest

from optionswarm.risk import (
    BreakersConfig,
    BrokerError,
    RiskCode,
    StorageError,
    StorageErrorBreaker,
    StorageErrorConfig,
    TradingState,
    build_breakers,
)

SEC = 1_000_000_000


def _error(at_s: float, code: str = "save_order", message: str = "") -> StorageError:
    return StorageError(ts_ns=int(at_s * SEC), code=code, message=message)


@pytest.mark.parametrize(
    ("config", "errors", "trips_at", "says"),
    [
        # the default: the first failed write halts (an unstored order must not be followed)
        (StorageErrorConfig(), [_error(0, message="refused")], 0, "1 storage errors"),
        (StorageErrorConfig(), [_error(0, "record_fills")], 0, "last: record_fills"),
        # a tolerance: three within ten seconds
        (
            StorageErrorConfig(max_errors=3, window_ns=10 * SEC),
            [_error(0), _error(5), _error(9)],
            2,
            "3 storage errors within 10 s",
        ),
        # errors further apart than the window never add up
        (
            StorageErrorConfig(max_errors=2, window_ns=10 * SEC),
            [_error(0), _error(11), _error(22)],
            None,
            "",
        ),
        (
            StorageErrorConfig(max_errors=2, window_ns=10 * SEC, forces=TradingState.REDUCING),
            [_error(0), _error(3, message="server closed the connection")],
            1,
            "server closed the connection",
        ),
    ],
)
def test_storage_errors_trip_as_configured(
    config: StorageErrorConfig, errors: list[StorageError], trips_at: int | None, says: str
) -> None:
    breaker = StorageErrorBreaker(config)
    trips = [breaker.observe(e, e.ts_ns) for e in errors]
    tripped_at = next((i for i, t in enumerate(trips) if t is not None), None)
    assert tripped_at == trips_at
    if trips_at is not None:
        trip = trips[trips_at]
        assert trip is not None
        assert (trip.breaker, trip.code, trip.forces) == (
            "storage_errors",
            RiskCode.STORAGE_ERRORS,
            config.forces,
        )
        assert says in trip.message
        assert all(t is None for t in trips[trips_at + 1 :])  # latched


def test_storage_breaker_ignores_broker_errors_and_is_on_by_default() -> None:
    built = build_breakers(BreakersConfig())
    breaker = built["storage_errors"]
    assert isinstance(breaker, StorageErrorBreaker)
    assert breaker.forces is TradingState.HALTED
    assert StorageError in breaker.observes
    assert BrokerError not in breaker.observes
    assert "storage_errors" not in build_breakers(BreakersConfig(storage_errors=None))
