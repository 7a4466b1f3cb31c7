"""``SimulatedExecutionClient``: the minimal fill path used until the paper broker exists.

Market orders fill at once against the latest quotes: buys at the ask plus slippage, sells at the
bid minus slippage (options from the latest chain snapshot, the underlying at the latest bar's
close plus/minus a few basis points). Fees are charged per contract (or per share). A limit order
fills only if the whole package is at least as good as its limit, else it is rejected (IOC).
A multi-leg order fills all legs or none.
"""

from __future__ import annotations

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.config import ExecutionSettings
from optionswarm.engine import Clock, Component
from optionswarm.engine.contracts import find_row, is_option_symbol, parse_contract
from optionswarm.engine.events import OrderRejected
from optionswarm.engine.topics import BARS, CHAINS, FILLS, REJECTIONS
from optionswarm.execution.fill_model import PRICE_EPS, NoFillError, fill_price
from optionswarm.model import (
    Bar,
    ChainSnapshot,
    Fill,
    OrderIntent,
    OrderLeg,
    underlying_for_root,
)

__all__ = ["SimulatedExecutionClient"]


class _LegPrice(msgspec.Struct, frozen=True):
    leg: OrderLeg
    price: float
    fee_per_unit: float


class _NoQuoteError(LookupError):
    pass


class SimulatedExecutionClient(Component):
    """Immediate fills at bid/ask with slippage and fees; implements ``ExecutionClient``."""

    def __init__(self, bus: MessageBus, clock: Clock, config: ExecutionSettings) -> None:
        super().__init__("simulated-execution", bus, clock)
        self.config = config
        self._chains: dict[str, ChainSnapshot] = {}
        self._roots: set[str] = set()
        self._roots_of: dict[str, set[str]] = {}
        self._bars: dict[str, Bar] = {}
        self._subscriptions: list[Subscription] = []
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

    def on_reset(self) -> None:
        self._chains.clear()
        self._roots.clear()
        self._roots_of.clear()
        self._bars.clear()
        self.fills = 0
        self.rejections = 0

    def _on_bar(self, bar: Bar) -> None:
        self._bars[bar.symbol] = bar

    def _on_chain(self, chain: ChainSnapshot) -> None:
        # keyed by the options' underlying (SPXW -> SPX), which may differ from the data's name
        if len(chain) and str(chain.root[0]) in self._roots and str(chain.root[-1]) in self._roots:
            for root in self._roots_of[chain.underlying]:
                self._chains[root] = chain
            return
        roots = {underlying_for_root(str(r)) for r in set(chain.root.tolist())}
        self._roots_of[chain.underlying] = roots
        self._roots |= {str(r) for r in set(chain.root.tolist())}
        for root in roots:
            self._chains[root] = chain

    def cancel(self, client_order_id: str) -> bool:
        """Nothing rests in this client: every order fills or is rejected at once."""
        return False

    def submit(self, intent: OrderIntent) -> None:
        """Fill all legs now, or publish one rejection saying why not."""
        try:
            priced = [self._price_leg(leg) for leg in intent.legs]
        except (_NoQuoteError, NoFillError) as exc:
            self._reject(intent, "no_quote", str(exc))
            return
        package = sum(p.leg.side.sign * p.leg.ratio * p.price for p in priced)
        if intent.limit_price is not None and package > intent.limit_price + PRICE_EPS:
            self._reject(
                intent,
                "limit_not_reached",
                f"package price {package:.4f} is worse than the limit {intent.limit_price:.4f}",
            )
            return
        now = self.clock.now_ns()
        for index, item in enumerate(priced):
            quantity = intent.quantity * item.leg.ratio
            self.fills += 1
            self.bus.publish(
                FILLS,
                Fill(
                    client_order_id=intent.client_order_id,
                    fill_id=f"{intent.client_order_id}-{index}",
                    symbol=item.leg.symbol,
                    side=item.leg.side,
                    quantity=quantity,
                    price=item.price,
                    fee=round(quantity * item.fee_per_unit, 6),
                    ts_ns=now,
                ),
            )

    def _price_leg(self, leg: OrderLeg) -> _LegPrice:
        if not is_option_symbol(leg.symbol):
            bar = self._bars.get(leg.symbol)
            if bar is None:
                raise _NoQuoteError(f"no bar yet for {leg.symbol!r}")
            slip = bar.close * self.config.underlying_slippage_bps / 10_000.0
            price = fill_price(leg.side, bar.close, bar.close, slip)
            return _LegPrice(leg, price, self.config.fee_per_share)
        terms = parse_contract(leg.symbol)
        underlying = underlying_for_root(terms.root)
        chain = self._chains.get(underlying)
        row = None if chain is None else find_row(chain, terms)
        if chain is None or row is None:
            raise _NoQuoteError(f"{leg.symbol} is not in the latest {underlying!r} chain")
        bid, ask = float(chain.bid[row]), float(chain.ask[row])
        try:
            price = fill_price(leg.side, bid, ask, self.config.option_slippage)
        except NoFillError as exc:
            raise _NoQuoteError(f"{leg.symbol} has {exc}") from None
        return _LegPrice(leg, price, self.config.fee_per_contract)

    def _reject(self, intent: OrderIntent, code: str, message: str) -> None:
        self.rejections += 1
        self.log.info("order_rejected", client_order_id=intent.client_order_id, reason=code)
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
