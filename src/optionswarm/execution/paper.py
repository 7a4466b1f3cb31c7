"""``PaperBroker``: an ``ExecutionClient`` that fills against the book it sees, like a venue would.

* Each leg fills at its own bid/ask through :func:`fill_price` (conservative: never at the mid
  unless configured); a package fills all legs at the ratio or none, and only when its net price
  is at least as good as the limit.
* Displayed size limits a fill: the units the sizes allow fill, the rest keeps working and is
  retried on each new chain until it fills, is cancelled or the order manager expires it.
  IOC orders cancel (reject) what did not fill at once; FOK orders fill whole or not at all.
* Latency: with ``latency_ns > 0`` an order reaches the book ``latency_ns`` after ``submit`` via
  an alarm on the node's clock (the quotes at that moment decide the fill).
* Fees per contract (options) or per share (the underlying), slippage in price units (options) or
  basis points (the underlying).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.config import ExecutionSettings
from optionswarm.engine import Clock, Component, TimeEvent
from optionswarm.engine.contracts import find_row, is_option_symbol, parse_contract
from optionswarm.engine.events import OrderRejected
from optionswarm.engine.topics import BARS, CHAINS, FILLS, REJECTIONS
from optionswarm.execution.fill_model import (
    FillAt,
    LegQuote,
    NoFillError,
    limit_reached,
    package_units_available,
    price_package,
)
from optionswarm.model import (
    Bar,
    ChainSnapshot,
    Fill,
    OrderIntent,
    OrderLeg,
    TimeInForce,
    underlying_for_root,
)

__all__ = ["PaperBroker", "PaperBrokerConfig"]


class PaperBrokerConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fees, slippage, latency and fill rules of the paper broker."""

    fee_per_contract: float = 1.00
    fee_per_share: float = 0.0
    option_slippage: float = 0.05
    underlying_slippage_bps: float = 1.0
    latency_ns: int = 0
    fill_at: FillAt = FillAt.TOUCH
    displayed_size_limits: bool = True

    @classmethod
    def from_settings(cls, settings: ExecutionSettings) -> PaperBrokerConfig:
        """The broker configuration of the node's ``execution`` settings section."""
        return cls(
            fee_per_contract=settings.fee_per_contract,
            fee_per_share=settings.fee_per_share,
            option_slippage=settings.option_slippage,
            underlying_slippage_bps=settings.underlying_slippage_bps,
            latency_ns=int(settings.latency_ms * 1_000_000),
            displayed_size_limits=settings.displayed_size_limits,
        )


class _Working(msgspec.Struct, kw_only=True):
    intent: OrderIntent
    remaining: int
    fills: int = 0


class PaperBroker(Component):
    """Paper fills on the node's bus and clock; implements ``ExecutionClient``."""

    def __init__(self, bus: MessageBus, clock: Clock, config: PaperBrokerConfig) -> None:
        super().__init__("paper-broker", bus, clock)
        self.config = config
        self._subscriptions: list[Subscription] = []
        self.on_reset()

    def on_reset(self) -> None:
        self._chains: dict[str, ChainSnapshot] = {}
        self._bars: dict[str, Bar] = {}
        self._rows: dict[str, int | None] = {}
        self._seen_roots: dict[str, set[str]] = {}  # chain's underlying -> option roots
        self._working: dict[str, _Working] = {}
        self._in_flight: dict[str, OrderIntent] = {}
        self.fills = 0
        self.rejections = 0

    def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(BARS, self._on_bar),
            self.bus.subscribe(CHAINS, self._on_chain),
        ]

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []
        for client_order_id in list(self._in_flight):
            self.clock.cancel(_alarm(client_order_id))
        self._in_flight.clear()

    # -- the ExecutionClient port -----------------------------------------------------------
    def submit(self, intent: OrderIntent) -> None:
        """Send ``intent`` to the book now, or ``latency_ns`` later on the clock."""
        if self.config.latency_ns <= 0:
            self._arrive(intent)
            return
        self._in_flight[intent.client_order_id] = intent
        self.clock.set_alarm(
            _alarm(intent.client_order_id),
            self.clock.now_ns() + self.config.latency_ns,
            self._arrival_callback(intent),
        )

    def cancel(self, client_order_id: str) -> bool:
        """Take a working (or still travelling) order off the book; False if none is there."""
        if self._in_flight.pop(client_order_id, None) is not None:
            self.clock.cancel(_alarm(client_order_id))
            return True
        return self._working.pop(client_order_id, None) is not None

    def replace(self, client_order_id: str, limit_price: float | None) -> bool:
        """Change the limit of a working order (its unfilled rest); False if none is there."""
        working = self._working.get(client_order_id)
        if working is None:
            return False
        working.intent = msgspec.structs.replace(working.intent, limit_price=limit_price)
        self._try_fill(working)
        return True

    def restore(self, intent: OrderIntent, remaining: int, fills_published: int) -> None:
        """Put back an order recovered after a restart (its fill ids continue the old count)."""
        working = _Working(intent=intent, remaining=remaining, fills=fills_published)
        self._working[intent.client_order_id] = working

    def working_orders(self) -> dict[str, int]:
        """Client order id -> package units still working."""
        return {cid: w.remaining for cid, w in self._working.items()}

    # -- market data ------------------------------------------------------------------------
    def _on_bar(self, bar: Bar) -> None:
        self._bars[bar.symbol] = bar
        self._retry(lambda intent: bar.symbol in intent.symbols())

    def _on_chain(self, chain: ChainSnapshot) -> None:
        seen = self._seen_roots.setdefault(chain.underlying, set())
        ends = {str(chain.root[0]), str(chain.root[-1])} if len(chain) else set()
        if not seen or not ends <= seen:  # a full scan of the roots only when new ones appear
            seen |= {str(r) for r in set(chain.root.tolist())}
        roots = {underlying_for_root(r) for r in seen} or {chain.underlying}
        for root in roots:
            self._chains[root] = chain
        self._rows.clear()
        self._retry(lambda intent: intent.underlying in roots)

    def _retry(self, concerns: Callable[[OrderIntent], bool]) -> None:
        for working in list(self._working.values()):
            if concerns(working.intent):
                self._try_fill(working)

    # -- filling ----------------------------------------------------------------------------
    def _arrival_callback(self, intent: OrderIntent) -> Callable[[TimeEvent], None]:
        def arrive(_event: TimeEvent) -> None:
            if self._in_flight.pop(intent.client_order_id, None) is not None:
                self._arrive(intent)

        return arrive

    def _arrive(self, intent: OrderIntent) -> None:
        working = _Working(intent=intent, remaining=intent.quantity)
        self._working[intent.client_order_id] = working
        self._try_fill(working)

    def _try_fill(self, working: _Working) -> None:
        intent = working.intent
        immediate = intent.tif in (TimeInForce.IOC, TimeInForce.FOK)
        try:
            quotes = [self._quote(leg) for leg in intent.legs]
            slips = [self._slippage(q, leg) for q, leg in zip(quotes, intent.legs, strict=True)]
            package = price_package(intent.legs, quotes, slips, self.config.fill_at)
        except NoFillError as exc:
            if immediate or intent.is_market:
                self._reject(working, "no_quote", str(exc))
            return
        if not limit_reached(package.net, intent.limit_price):
            if immediate:
                limit = intent.limit_price
                self._reject(
                    working,
                    "limit_not_reached",
                    f"package price {package.net:.4f} is worse than the limit {limit:.4f}",
                )
            return
        units = working.remaining
        available = package_units_available(intent.legs, quotes)
        if self.config.displayed_size_limits and available is not None:
            units = min(units, available)
        if intent.tif is TimeInForce.FOK and units < working.remaining:
            self._reject(working, "fok_not_filled", f"only {units} of {working.remaining} shown")
            return
        if units > 0:
            self._publish_fills(working, units, package.leg_prices)
        if working.remaining == 0:
            self._working.pop(intent.client_order_id, None)
        elif intent.tif is TimeInForce.IOC:
            self._reject(
                working, "ioc_rest_cancelled", f"{working.remaining} unit(s) did not fill at once"
            )

    def _publish_fills(self, working: _Working, units: int, prices: tuple[float, ...]) -> None:
        intent = working.intent
        working.remaining -= units
        now = self.clock.now_ns()
        for leg, price in zip(intent.legs, prices, strict=True):
            quantity = units * leg.ratio
            fee_rate = (
                self.config.fee_per_contract
                if is_option_symbol(leg.symbol)
                else self.config.fee_per_share
            )
            self.fills += 1
            self.bus.publish(
                FILLS,
                Fill(
                    client_order_id=intent.client_order_id,
                    fill_id=f"{intent.client_order_id}-{working.fills}",
                    symbol=leg.symbol,
                    side=leg.side,
                    quantity=quantity,
                    price=price,
                    fee=round(quantity * fee_rate, 6),
                    ts_ns=now,
                ),
            )
            working.fills += 1

    def _quote(self, leg: OrderLeg) -> LegQuote:
        if not is_option_symbol(leg.symbol):
            bar = self._bars.get(leg.symbol)
            if bar is None:
                raise NoFillError(f"no bar yet for {leg.symbol!r}")
            return LegQuote(bid=bar.close, ask=bar.close)
        terms = parse_contract(leg.symbol)
        underlying = underlying_for_root(terms.root)
        chain = self._chains.get(underlying)
        row = None if chain is None else self._row(chain, leg.symbol)
        if chain is None or row is None:
            raise NoFillError(f"{leg.symbol} is not in the latest {underlying!r} chain")
        return LegQuote(
            bid=float(chain.bid[row]),
            ask=float(chain.ask[row]),
            bid_size=int(chain.bid_size[row]),
            ask_size=int(chain.ask_size[row]),
        )

    def _row(self, chain: ChainSnapshot, symbol: str) -> int | None:
        """The symbol's row in ``chain``, looked up once per chain (working orders retry)."""
        if symbol not in self._rows:
            self._rows[symbol] = find_row(chain, parse_contract(symbol))
        return self._rows[symbol]

    def _slippage(self, quote: LegQuote, leg: OrderLeg) -> float:
        if is_option_symbol(leg.symbol):
            return self.config.option_slippage
        return quote.ask * self.config.underlying_slippage_bps / 10_000.0

    def _reject(self, working: _Working, code: str, message: str) -> None:
        intent = working.intent
        self._working.pop(intent.client_order_id, None)
        self.rejections += 1
        self.bus.publish(
            REJECTIONS,
            OrderRejected(
                client_order_id=intent.client_order_id,
                ts_ns=self.clock.now_ns(),
                stage="execution",
                reason_code=code,
                message=message,
            ),
        )


def _alarm(client_order_id: str) -> str:
    return f"paper-broker.arrive.{client_order_id}"
