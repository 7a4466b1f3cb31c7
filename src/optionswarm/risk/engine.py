"""``RiskEngine``: the gate every order passes, fed by quotes, chains, fills and P&L.

``check(intent)`` implements the execution ``RiskGate`` port (one reason code and a sentence for
the router); ``assess(intent)`` returns the full :class:`RiskVerdict` with every failing reason.
Both run all checks of :data:`PRE_TRADE_CHECKS`, then the ``needs_approval`` policy seam, and
publish the verdict. Aggregates are kept incrementally (:class:`RiskBook`), so a check touches
only the order's legs.

Error tree: :class:`ActionRefusedError` (operator action refused: role or breaker state),
:class:`IllegalTradingTransitionError` (a state-machine bug), :class:`MarginError` (never escapes
a check: it becomes a denial).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.engine import Clock, Component, TimeEvent
from optionswarm.engine.events import PortfolioSnapshot
from optionswarm.engine.topics import CHAINS, FILLS, PORTFOLIO
from optionswarm.execution import RiskOutcome
from optionswarm.execution import RiskVerdict as GateVerdict
from optionswarm.model import ChainSnapshot, Fill, OrderIntent, Position, Quote
from optionswarm.risk.book import RiskBook
from optionswarm.risk.breakers import build_breakers
from optionswarm.risk.checks import ORDER_CHECKS, Check
from optionswarm.risk.checks_exposure import EXPOSURE_CHECKS
from optionswarm.risk.config import RiskConfig
from optionswarm.risk.context import CheckContext
from optionswarm.risk.controls import OrderControl, RiskControls
from optionswarm.risk.events import (
    BreakerTripped,
    BusEventSink,
    EventSink,
    RiskDecision,
    RiskVerdict,
)
from optionswarm.risk.legs import LegResolver, ResolvedLeg
from optionswarm.risk.margin import MarginEngine, MarginError, MarginLeg, MarginModel
from optionswarm.risk.margin_model import EMPTY_MARGIN
from optionswarm.risk.market import MarketView
from optionswarm.risk.observations import PnlUpdate
from optionswarm.risk.reasons import DenyReason, RiskCode
from optionswarm.risk.state import TradingState
from optionswarm.risk.structures import classify_structure
from optionswarm.risk.throttle import OrderThrottle

__all__ = ["PRE_TRADE_CHECKS", "ApprovalPolicy", "RiskEngine", "RiskStatus"]

PRE_TRADE_CHECKS: tuple[tuple[str, Check], ...] = ORDER_CHECKS + EXPOSURE_CHECKS
ApprovalPolicy = Callable[[OrderIntent, CheckContext], Sequence[DenyReason]]
_HEARTBEAT = "risk.heartbeat"
_GREEK_INDEX = {"delta": 0, "gamma": 1, "vega": 2, "theta": 3}


class RiskStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What a dashboard shows: trading state, tripped breakers, buying power and Greeks."""

    ts_ns: int
    trading_state: TradingState
    kill_engaged: bool
    tripped: tuple[BreakerTripped, ...]
    equity: float
    margin_capital: float
    buying_power: float
    greeks: tuple[float, float, float, float]  # dollar delta, gamma, vega, theta (total)
    positions: int


class RiskEngine(Component):
    """Pre-trade checks, trading state, circuit breakers and the kill switch."""

    def __init__(
        self,
        config: RiskConfig,
        *,
        bus: MessageBus,
        clock: Clock,
        market: MarketView | None = None,
        sink: EventSink | None = None,
        approval_policy: ApprovalPolicy | None = None,
        order_control: OrderControl | None = None,
        margin: MarginModel | None = None,
        name: str = "risk",
    ) -> None:
        super().__init__(name, bus, clock)
        self.config = config
        self.market = market or MarketView(config.broad_based_indexes)
        self.book = RiskBook(config.starting_equity)
        self.margin: MarginModel = margin or MarginEngine(config.margin_profile)
        self.resolver = LegResolver(self.market)
        self.throttle = OrderThrottle(config.throttle)
        self.sink: EventSink = sink or BusEventSink(bus)
        self.controls = RiskControls(
            config, build_breakers(config.breakers), self.sink, order_control
        )
        self.approval_policy = approval_policy
        self.checks = PRE_TRADE_CHECKS
        self._subscriptions: list[Subscription] = []

    # -- the gate --------------------------------------------------------------------------
    @property
    def trading_state(self) -> TradingState:
        """ACTIVE, REDUCING or HALTED (``state`` is the component lifecycle)."""
        return self.controls.state

    def check(self, intent: OrderIntent) -> GateVerdict:
        """The ``RiskGate`` port: the first reason's code and every reason's sentence."""
        verdict = self.assess(intent)
        if verdict.decision is RiskDecision.ACCEPT:
            return GateVerdict(
                client_order_id=intent.client_order_id,
                outcome=RiskOutcome.ACCEPT,
                reason_code="accepted",
                message="passed every pre-trade check",
            )
        reasons = verdict.reasons or verdict.approval_reasons
        return GateVerdict(
            client_order_id=intent.client_order_id,
            outcome=RiskOutcome(verdict.decision.value),
            reason_code=reasons[0].code.value if reasons else verdict.decision.value,
            message="; ".join(f"{r.code}: {r.message}" for r in reasons),
        )

    def assess(self, intent: OrderIntent) -> RiskVerdict:
        """Run every check; deny with all reasons, or ask for approval, or accept."""
        now = self.clock.now_ns()
        ctx = self.context(intent, now)
        reasons: list[DenyReason] = []
        for _, check in self.checks:
            reasons += check(ctx)
        approvals: tuple[DenyReason, ...] = ()
        if not reasons and self.approval_policy is not None:
            approvals = tuple(self.approval_policy(intent, ctx))
        if reasons:
            decision = RiskDecision.DENY
        elif approvals:
            decision = RiskDecision.NEEDS_APPROVAL
        else:
            decision = RiskDecision.ACCEPT
        self.throttle.record(intent, now, passed=decision is not RiskDecision.DENY)
        verdict = RiskVerdict(
            client_order_id=intent.client_order_id,
            decision=decision,
            reasons=tuple(reasons),
            approval_reasons=approvals,
            trading_state=ctx.state,
            risk_reducing=ctx.risk_reducing,
            structure=ctx.structure,
            ts_ns=now,
        )
        if self.config.publish_verdicts:
            self.sink(verdict)
        return verdict

    def context(self, intent: OrderIntent, now_ns: int) -> CheckContext:
        """Resolve the legs and gather what the checks read."""
        legs, problems = self.resolver.resolve(intent)
        delta = gamma = vega = theta = 0.0
        for leg in legs:
            units, per_unit = leg.quantity, leg.greeks
            delta += units * per_unit[0]
            gamma += units * per_unit[1]
            vega += units * per_unit[2]
            theta += units * per_unit[3]
        order_greeks = (delta, gamma, vega, theta)
        position_reducing = not problems and self._position_reducing(legs)
        return CheckContext(
            order=intent,
            now_ns=now_ns,
            config=self.config,
            state=self.controls.state,
            legs=legs,
            problems=problems,
            underlying=self.market.underlyings.get(intent.underlying),
            book=self.book,
            margin=self.margin,
            structure=classify_structure(legs) if not problems else "unknown",
            position_reducing=position_reducing,
            risk_reducing=position_reducing or self._greek_hedge(intent, order_greeks, problems),
            order_greeks=order_greeks,
            throttle=self.throttle.status(intent, now_ns),
            margin_leg_of=self.margin_leg_of,
            opening=tuple(self._opens(leg) for leg in legs),
        )

    def _opens(self, leg: ResolvedLeg) -> bool:
        before = self.book.positions.get(leg.symbol, 0)
        return abs(before + leg.quantity) > abs(before)

    def _position_reducing(self, legs: Iterable[ResolvedLeg]) -> bool:
        positions = self.book.positions
        for leg in legs:
            held = positions.get(leg.symbol, 0)
            if held == 0 or (held > 0) == (leg.quantity > 0) or abs(leg.quantity) > abs(held):
                return False
        return True

    def _greek_hedge(
        self, intent: OrderIntent, change: tuple[float, ...], problems: tuple[DenyReason, ...]
    ) -> bool:
        rules = self.config.reducing
        if problems or not rules.allow_greek_hedges:
            return False
        exposure = self.book.exposures.get(intent.underlying)
        if exposure is None:
            return False
        shrinks = False
        for name in rules.hedge_greeks:
            i = _GREEK_INDEX[name]
            before, after = abs(exposure.greeks[i]), abs(exposure.greeks[i] + change[i])
            if after > before + 1e-9:
                return False
            shrinks = shrinks or after < before - 1e-9
        return shrinks

    def margin_leg_of(self, symbol: str, quantity: int) -> MarginLeg:
        """A held symbol as a margin leg at its current mark (MarginError if none)."""
        option = self.market.options.get(symbol)
        if option is not None:
            return MarginLeg(
                symbol=symbol,
                quantity=quantity,
                is_call=option.is_call,
                strike=option.strike,
                expiry_ns=option.expiry_ns,
                multiplier=option.multiplier,
                price=option.mid,
            )
        if symbol in self.market.underlyings:
            return MarginLeg(symbol=symbol, quantity=quantity, is_option=False, multiplier=1)
        raise MarginError(RiskCode.NO_MARKET_DATA, f"no mark for held symbol {symbol}")

    def status(self) -> RiskStatus:
        """A snapshot of the engine's state (cheap; reads the kept aggregates)."""
        book, controls = self.book, self.controls
        greeks = book.total_greeks
        return RiskStatus(
            ts_ns=self.clock.now_ns(),
            trading_state=controls.state,
            kill_engaged=controls.kill_engaged,
            tripped=tuple(b.tripped for b in controls.breakers.values() if b.tripped is not None),
            equity=book.equity,
            margin_capital=book.margin_capital,
            buying_power=book.buying_power,
            greeks=(greeks[0], greeks[1], greeks[2], greeks[3]),
            positions=len(book.positions),
        )

    # -- feeds -----------------------------------------------------------------------------
    def on_quote(self, quote: Quote) -> None:
        """A quote: update marks, feed the quote breakers."""
        self.market.update_quote(quote)
        self.controls.observe(quote, self.clock.now_ns())

    def on_chain(self, chain: ChainSnapshot) -> None:
        """A chain snapshot: refresh marks and revalue that one underlying."""
        self.market.update_chain(chain)
        underlying = chain.underlying
        self.book.revalue(underlying, self._greeks_of)
        self._refresh_margin(underlying)

    def on_fill(self, fill: Fill) -> None:
        """A fill: update the position and that underlying's aggregates and margin.

        A fill for a symbol without a mark is still booked (a position is never dropped); its
        Greeks count as zero and its underlying's margin becomes unknown, which blocks new
        margin-using orders there until marks arrive.
        """
        underlying, is_option = self._underlying_of(fill.symbol)
        units = fill.signed_quantity
        self.book.apply(fill.symbol, underlying, units, is_option, self._greeks_of(fill.symbol))
        self._refresh_margin(underlying)

    def on_portfolio(self, snapshot: PortfolioSnapshot) -> None:
        """A portfolio snapshot: equity for buying power, P&L for the breakers."""
        self.observe(PnlUpdate(ts_ns=snapshot.ts_ns, equity=snapshot.equity, day_pnl=snapshot.pnl))

    def observe(self, event: object) -> None:
        """Feed a breaker observation (``PnlUpdate``, ``ClosedTrade``, ``BrokerError``...)."""
        if isinstance(event, PnlUpdate):
            self.book.equity = event.equity
        self.controls.observe(event, self.clock.now_ns())

    def load_positions(self, positions: Iterable[Position]) -> None:
        """Seed the book (e.g. from the broker at start-up); marks must already be loaded."""
        touched: set[str] = set()
        for position in positions:
            is_option = position.symbol in self.market.options
            greeks = self._greeks_of(position.symbol)
            self.book.apply(
                position.symbol, position.underlying, position.quantity, is_option, greeks
            )
            touched.add(position.underlying)
        for underlying in touched:
            self._refresh_margin(underlying)

    def _underlying_of(self, symbol: str) -> tuple[str, bool]:
        """The underlying of a filled symbol, and whether it is an option."""
        option = self.market.options.get(symbol)
        if option is not None:
            return option.underlying, True
        terms = self.resolver.terms(symbol)
        if terms is not None:
            return terms.underlying, True
        return symbol, False

    def _greeks_of(self, symbol: str) -> tuple[float, float, float, float]:
        option = self.market.options.get(symbol)
        if option is not None:
            return (option.delta, option.gamma, option.vega, option.theta)
        mark = self.market.underlyings.get(symbol)
        return (mark.spot if mark is not None else 0.0, 0.0, 0.0, 0.0)

    def _refresh_margin(self, underlying: str) -> None:
        exposure = self.book.exposure(underlying)
        mark = self.market.underlyings.get(underlying)
        if not exposure.positions:
            self.book.margin_failures.pop(underlying, None)
            self.book.set_margin(underlying, EMPTY_MARGIN)
            return
        if mark is None:
            self.book.margin_failures[underlying] = f"no price for {underlying}"
            return
        try:
            legs = [self.margin_leg_of(s, q) for s, q in exposure.positions.items()]
            result = self.margin.margin(legs, mark.spot, broad_based=mark.broad_based)
        except MarginError as exc:
            self.log.warning("margin_unavailable", underlying=underlying, error=exc.message)
            self.book.margin_failures[underlying] = exc.message
            return
        self.book.margin_failures.pop(underlying, None)
        self.book.set_margin(underlying, result)

    # -- operator actions ------------------------------------------------------------------
    def kill(self, actor: str, role: str, reason: str, flatten: bool | None = None) -> None:
        """The kill switch: halt, cancel all working orders, flatten if configured."""
        self.controls.kill(actor, role, reason, self.clock.now_ns(), flatten)

    def trip_breaker(self, name: str, actor: str, role: str, reason: str) -> BreakerTripped:
        """Trip a breaker by hand (permitted roles only; emits ``BreakerTripped`` and forces its
        trading state until it is reset and released)."""
        return self.controls.trip_breaker(name, actor, role, reason, self.clock.now_ns())

    def reset_breaker(self, name: str, actor: str, role: str) -> None:
        """Reset a tripped breaker (permitted roles only; emits ``BreakerReset``)."""
        self.controls.reset_breaker(name, actor, role, self.clock.now_ns())

    def release(self, actor: str, role: str) -> TradingState:
        """Lift the trading state one step (HALTED -> REDUCING -> ACTIVE)."""
        return self.controls.release(actor, role, self.clock.now_ns())

    # -- lifecycle -------------------------------------------------------------------------
    def on_start(self) -> None:
        """Subscribe to chains, fills and portfolio snapshots; start the heartbeat.

        The heartbeat runs only when a time-driven breaker (stale data) is configured: nothing
        else trips on time alone, and on a simulated clock an idle timer costs a call per tick.
        """
        self._subscriptions = [
            self.bus.subscribe(CHAINS, self.on_chain),
            self.bus.subscribe(FILLS, self.on_fill),
            self.bus.subscribe(PORTFOLIO, self.on_portfolio),
        ]
        if any(b.time_driven for b in self.controls.breakers.values()):
            self.clock.set_timer(_HEARTBEAT, self.config.heartbeat_ns, self._on_heartbeat)

    def on_stop(self) -> None:
        """Unsubscribe and stop the heartbeat."""
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []
        self.clock.cancel(_HEARTBEAT)

    def _on_heartbeat(self, event: TimeEvent) -> None:
        self.controls.on_time(event.ts_ns)
