"""Circuit breakers: each observes events, trips with a reason, and forces a trading state.

A breaker latches: once tripped it stays tripped (and ignores further events) until an explicit
reset by a permitted role (:meth:`Breaker.reset` refuses others with :class:`ActionRefusedError`).
``observe(event, now_ns)`` returns the :class:`BreakerTripped` event when it trips *now*, else
None; ``on_time(now_ns)`` lets time-driven breakers (stale data) trip without an event.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar

from optionswarm.model import Quote
from optionswarm.risk.config import (
    BreakersConfig,
    BrokerErrorConfig,
    ConsecutiveLossConfig,
    DailyLossConfig,
    DrawdownConfig,
    InconsistencyConfig,
    LatencyConfig,
    StaleDataConfig,
    StorageErrorConfig,
    VolatilityShockConfig,
)
from optionswarm.risk.events import BreakerReset, BreakerTripped
from optionswarm.risk.observations import (
    BrokerError,
    ClosedTrade,
    OrderLatency,
    PnlUpdate,
    PositionCheck,
    StorageError,
)
from optionswarm.risk.reasons import RiskCode
from optionswarm.risk.state import TradingState

__all__ = [
    "ActionRefusedError",
    "Breaker",
    "BrokerErrorBreaker",
    "ConsecutiveLossBreaker",
    "DailyLossBreaker",
    "DrawdownBreaker",
    "InconsistencyBreaker",
    "LatencyBreaker",
    "StaleDataBreaker",
    "StorageErrorBreaker",
    "VolatilityShockBreaker",
    "build_breakers",
]


ADMIN_ONLY = frozenset({"admin"})


class ActionRefusedError(PermissionError):
    """An actor's role may not perform the action; ``code`` says why."""

    def __init__(self, code: RiskCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Breaker:
    """Base: a name, what it observes, the state it forces, and a latched trip."""

    name: ClassVar[str] = "breaker"
    code: ClassVar[RiskCode]
    observes: ClassVar[tuple[type, ...]] = ()
    time_driven: ClassVar[bool] = False  # True where ``_evaluate_time`` can trip (heartbeat)

    def __init__(self, config: Any, reset_roles: frozenset[str] = ADMIN_ONLY) -> None:
        self.config = config
        self.forces: TradingState = config.forces
        self.reset_roles = reset_roles
        self.tripped: BreakerTripped | None = None

    def observe(self, event: object, now_ns: int) -> BreakerTripped | None:
        """Feed one event; the trip event if this event tripped the breaker."""
        if self.tripped is not None:
            return None
        message = self._evaluate(event, now_ns)
        return None if message is None else self._trip(message, now_ns)

    def on_time(self, now_ns: int) -> BreakerTripped | None:
        """Time passed (heartbeat); only time-driven breakers trip here."""
        if self.tripped is not None:
            return None
        message = self._evaluate_time(now_ns)
        return None if message is None else self._trip(message, now_ns)

    def reset(self, actor: str, role: str, now_ns: int) -> BreakerReset:
        """Clear the trip; refuses roles outside ``reset_roles`` and untripped breakers."""
        if role not in self.reset_roles:
            raise ActionRefusedError(
                RiskCode.ROLE_NOT_PERMITTED,
                f"role {role!r} may not reset breaker {self.name!r} "
                f"(permitted: {sorted(self.reset_roles)})",
            )
        if self.tripped is None:
            raise ActionRefusedError(RiskCode.NOT_TRIPPED, f"breaker {self.name!r} is not tripped")
        self.tripped = None
        self._clear()
        return BreakerReset(breaker=self.name, actor=actor, role=role, ts_ns=now_ns)

    def trip(self, message: str, now_ns: int) -> BreakerTripped:
        """Latch this breaker with ``message`` (an operator's trip; automatic trips use the same
        path). The caller applies the forced trading state (``RiskControls``)."""
        return self._trip(message, now_ns)

    def _trip(self, message: str, now_ns: int) -> BreakerTripped:
        self.tripped = BreakerTripped(
            breaker=self.name, code=self.code, message=message, forces=self.forces, ts_ns=now_ns
        )
        return self.tripped

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        """The trip sentence if ``event`` trips the breaker."""
        return None

    def _evaluate_time(self, now_ns: int) -> str | None:
        return None

    def _clear(self) -> None:
        """Forget the history that led to the trip."""


class DailyLossBreaker(Breaker):
    """Trips when the day's P&L reaches ``-max_loss``."""

    name, code, observes = "daily_loss", RiskCode.DAILY_LOSS_LIMIT, (PnlUpdate,)
    config: DailyLossConfig

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, PnlUpdate)
        if event.day_pnl <= -self.config.max_loss:
            return f"day P&L ${event.day_pnl:,.0f} reached the limit -${self.config.max_loss:,.0f}"
        return None


class DrawdownBreaker(Breaker):
    """Trips when equity falls ``max_drawdown`` below its running peak."""

    name, code, observes = "drawdown", RiskCode.DRAWDOWN_LIMIT, (PnlUpdate,)
    config: DrawdownConfig

    def __init__(self, config: DrawdownConfig, reset_roles: frozenset[str] = ADMIN_ONLY) -> None:
        super().__init__(config, reset_roles)
        self.peak: float | None = None

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, PnlUpdate)
        if self.peak is None or event.equity > self.peak:
            self.peak = event.equity
        drawdown = 1.0 - event.equity / self.peak if self.peak > 0 else 0.0
        if drawdown >= self.config.max_drawdown:
            return (
                f"equity ${event.equity:,.0f} is {drawdown:.1%} below the peak "
                f"${self.peak:,.0f} (limit {self.config.max_drawdown:.1%})"
            )
        return None

    def _clear(self) -> None:
        self.peak = None  # the next update starts a new peak


class ConsecutiveLossBreaker(Breaker):
    """Trips after ``max_losses`` losing closed trades in a row (a win resets the count)."""

    name, code, observes = "consecutive_losses", RiskCode.CONSECUTIVE_LOSSES, (ClosedTrade,)
    config: ConsecutiveLossConfig
    streak = 0

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, ClosedTrade)
        self.streak = self.streak + 1 if event.realized_pnl < 0 else 0
        if self.streak >= self.config.max_losses:
            return f"{self.streak} losing trades in a row (limit {self.config.max_losses})"
        return None

    def _clear(self) -> None:
        self.streak = 0


class StaleDataBreaker(Breaker):
    """Trips when a watched symbol's last quote is older than ``max_age_ns``."""

    name, code, observes = "stale_data", RiskCode.STALE_MARKET_DATA, (Quote,)
    time_driven = True
    config: StaleDataConfig

    def __init__(self, config: StaleDataConfig, reset_roles: frozenset[str] = ADMIN_ONLY) -> None:
        super().__init__(config, reset_roles)
        self.last_seen: dict[str, int] = {}

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, Quote)
        watched = self.config.symbols
        if not watched or event.symbol in watched:
            self.last_seen[event.symbol] = max(event.ts_ns, self.last_seen.get(event.symbol, 0))
        return None

    def _evaluate_time(self, now_ns: int) -> str | None:
        symbols = self.config.symbols or frozenset(self.last_seen)
        stale = sorted(
            s for s in symbols if now_ns - self.last_seen.get(s, 0) > self.config.max_age_ns
        )
        if stale and (self.last_seen or self.config.symbols):
            return f"no quote within {self.config.max_age_ns / 1e9:.0f} s for {stale}"
        return None

    def _clear(self) -> None:
        self.last_seen.clear()


class BrokerErrorBreaker(Breaker):
    """Trips on ``max_errors`` broker errors within ``window_ns``."""

    name, code = "broker_errors", RiskCode.BROKER_ERRORS
    observes: ClassVar[tuple[type, ...]] = (BrokerError,)
    noun: ClassVar[str] = "broker errors"
    config: BrokerErrorConfig | StorageErrorConfig

    def __init__(
        self,
        config: BrokerErrorConfig | StorageErrorConfig,
        reset_roles: frozenset[str] = ADMIN_ONLY,
    ) -> None:
        super().__init__(config, reset_roles)
        self.recent: deque[int] = deque()

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, BrokerError | StorageError)
        self.recent.append(event.ts_ns)
        while self.recent and self.recent[0] <= event.ts_ns - self.config.window_ns:
            self.recent.popleft()
        if len(self.recent) >= self.config.max_errors:
            window = self.config.window_ns / 1e9
            last = f"{event.code}: {event.message}" if event.message else event.code
            return f"{len(self.recent)} {self.noun} within {window:.0f} s (last: {last})"
        return None

    def _clear(self) -> None:
        self.recent.clear()


class StorageErrorBreaker(BrokerErrorBreaker):
    """Trips on ``max_errors`` failed transactional-store writes within ``window_ns``."""

    name, code = "storage_errors", RiskCode.STORAGE_ERRORS
    observes = (StorageError,)
    noun = "storage errors"


class LatencyBreaker(Breaker):
    """Trips after ``breaches`` consecutive order-to-fill latencies above the limit."""

    name, code, observes = "latency", RiskCode.ORDER_LATENCY, (OrderLatency,)
    config: LatencyConfig
    streak = 0

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, OrderLatency)
        slow = event.latency_ns > self.config.max_latency_ns
        self.streak = self.streak + 1 if slow else 0
        if self.streak >= self.config.breaches:
            return (
                f"{self.streak} fills slower than {self.config.max_latency_ns / 1e6:.0f} ms "
                f"(last {event.latency_ns / 1e6:.0f} ms)"
            )
        return None

    def _clear(self) -> None:
        self.streak = 0


class VolatilityShockBreaker(Breaker):
    """Trips when a price moves more than ``max_move`` (the VIX rises more than
    ``max_vix_rise``) against its oldest price within ``window_ns``."""

    name, code, observes = "volatility_shock", RiskCode.VOLATILITY_SHOCK, (Quote,)
    config: VolatilityShockConfig

    def __init__(
        self, config: VolatilityShockConfig, reset_roles: frozenset[str] = ADMIN_ONLY
    ) -> None:
        super().__init__(config, reset_roles)
        self.history: dict[str, deque[tuple[int, float]]] = {}

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, Quote)
        price = event.mid
        if price <= 0:
            return None
        window = self.history.setdefault(event.symbol, deque())
        window.append((event.ts_ns, price))
        while window and window[0][0] < event.ts_ns - self.config.window_ns:
            window.popleft()
        ref = window[0][1]
        change = price / ref - 1.0
        if event.symbol == self.config.vix_symbol:
            if change > self.config.max_vix_rise:
                return f"{event.symbol} rose {change:.1%} (limit {self.config.max_vix_rise:.1%})"
        elif abs(change) > self.config.max_move:
            return f"{event.symbol} moved {change:+.1%} (limit {self.config.max_move:.1%})"
        return None

    def _clear(self) -> None:
        self.history.clear()


class InconsistencyBreaker(Breaker):
    """Trips on any position mismatch between the engine and the broker."""

    name, code, observes = "inconsistency", RiskCode.POSITION_MISMATCH, (PositionCheck,)
    config: InconsistencyConfig

    def _evaluate(self, event: object, now_ns: int) -> str | None:
        assert isinstance(event, PositionCheck)
        if event.expected != event.actual:
            return f"{event.symbol}: expected {event.expected:+d}, broker has {event.actual:+d}"
        return None


_BREAKERS: tuple[tuple[str, type[Breaker]], ...] = (
    ("daily_loss", DailyLossBreaker),
    ("drawdown", DrawdownBreaker),
    ("consecutive_losses", ConsecutiveLossBreaker),
    ("stale_data", StaleDataBreaker),
    ("broker_errors", BrokerErrorBreaker),
    ("storage_errors", StorageErrorBreaker),
    ("latency", LatencyBreaker),
    ("volatility_shock", VolatilityShockBreaker),
    ("inconsistency", InconsistencyBreaker),
)


def build_breakers(config: BreakersConfig) -> dict[str, Breaker]:
    """One breaker per enabled entry of ``config``, by name."""
    built: dict[str, Breaker] = {}
    for field, cls in _BREAKERS:
        sub = getattr(config, field)
        if sub is not None:
            built[cls.name] = cls(sub, config.reset_roles)
    return built
