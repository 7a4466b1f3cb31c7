"""Duplicate detection and order-rate throttles, on the injected clock's time."""

from __future__ import annotations

from collections import deque

import msgspec

from optionswarm.model import OrderIntent
from optionswarm.risk.config import ThrottleConfig

__all__ = ["OrderThrottle", "ThrottleStatus"]

_SECOND = 1_000_000_000
_MINUTE = 60 * _SECOND

ContentKey = tuple[object, ...]


class ThrottleStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the throttle saw before this order."""

    duplicate_id: bool
    duplicate_content: bool
    orders_last_second: int
    orders_last_minute: int


def content_key(order: OrderIntent) -> ContentKey:
    """What makes two orders the same order, whatever their ids (legs are frozen, hashable)."""
    return (order.underlying, order.legs, order.quantity, order.limit_price)


class OrderThrottle:
    """Remembers order ids, recent order contents and the times of passed orders."""

    def __init__(self, config: ThrottleConfig) -> None:
        self.config = config
        self._ids: set[str] = set()
        self._contents: dict[ContentKey, int] = {}
        self._passed: deque[int] = deque()

    def status(self, order: OrderIntent, now_ns: int) -> ThrottleStatus:
        """Duplicate flags and counts of orders passed in the last second and minute."""
        passed = self._passed
        while passed and passed[0] <= now_ns - _MINUTE:
            passed.popleft()
        last_second = 0
        for ts in reversed(passed):
            if ts <= now_ns - _SECOND:
                break
            last_second += 1
        seen_at = self._contents.get(content_key(order))
        return ThrottleStatus(
            duplicate_id=order.client_order_id in self._ids,
            duplicate_content=seen_at is not None
            and now_ns - seen_at < self.config.duplicate_window_ns,
            orders_last_second=last_second,
            orders_last_minute=len(passed),
        )

    def record(self, order: OrderIntent, now_ns: int, passed: bool) -> None:
        """Remember the id always; the content and time only for an order that passed."""
        self._ids.add(order.client_order_id)
        if passed:
            self._passed.append(now_ns)
            key = content_key(order)
            self._contents[key] = now_ns
            if len(self._contents) > 4096:  # keep memory bounded: drop entries past the window
                horizon = now_ns - self.config.duplicate_window_ns
                self._contents = {k: t for k, t in self._contents.items() if t > horizon}
