"""Storage ports and their implementations (transactional, time-series, cold, hot, vector)."""

__all__: list[str] = []
