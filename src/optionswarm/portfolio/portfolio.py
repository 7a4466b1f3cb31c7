"""``Portfolio``: positions, cash, marks, cash settlement at expiry, Greeks and daily attribution.

Fills change positions and cash. At each session close the portfolio settles expired options in
cash at their intrinsic value (AM-settled roots at the session open, the others at the close —
the index is the settlement price), marks the rest to the chain's mid, computes position Greeks
and publishes a ``PortfolioSnapshot`` attributing the day's P&L to delta, gamma, vega and theta
(delta*dS + 1/2*gamma*dS^2 + vega*dsigma + theta*dt, computed with the previous close's Greeks)
plus a residual.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from optionswarm.bus import MessageBus, Subscription
from optionswarm.config import PortfolioSettings
from optionswarm.engine import Clock, Component
from optionswarm.engine.contracts import is_option_symbol, parse_contract
from optionswarm.engine.events import PortfolioSnapshot, SessionClose
from optionswarm.engine.topics import BARS, CHAINS, FILLS, ORDERS, PORTFOLIO, SESSIONS
from optionswarm.execution.events import EXECUTION_NOTICES, ExecutionNotice
from optionswarm.model import (
    NS_PER_DAY,
    NS_PER_YEAR,
    Bar,
    ChainSnapshot,
    Fill,
    OrderIntent,
    Position,
    underlying_for_root,
)
from optionswarm.portfolio.exposure import ExposureRow, exposure_by_expiry
from optionswarm.portfolio.greeks import ContractRisk, contract_risks
from optionswarm.portfolio.ledger import Trade, TradeLedger
from optionswarm.portfolio.settlement import (
    SettlementPrint,
    assignment_fills,
    early_assignments,
    expiry_fills,
    pin_risks,
)

__all__ = ["Portfolio"]


def _day_of(ts_ns: int) -> str:
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).date().isoformat()


OPTION_MULTIPLIER = 100
_EX_DIVIDEND_LOOKAHEAD_NS = 4 * NS_PER_DAY  # the last session before the ex-date (weekends)


class _Held(msgspec.Struct, frozen=True, kw_only=True):
    quantity: int
    multiplier: int
    risk: ContractRisk


_UNDERLYING_RISK = ContractRisk(mark=0.0, iv=0.0, delta=1.0, gamma=0.0, vega=0.0, theta=0.0)
_OPTION_UNKNOWN = ContractRisk(mark=0.0, iv=0.0, delta=0.0, gamma=0.0, vega=0.0, theta=0.0)


class Portfolio(Component):
    """The book of one account trading one underlying and its options."""

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        config: PortfolioSettings,
        underlying: str,
        *,
        pin_distance: float = 1.0,
    ) -> None:
        super().__init__("portfolio", bus, clock)
        self.config = config
        self.pin_distance = pin_distance  # short legs this close to the strike at expiry: pin risk
        self.underlying = underlying
        self._subscriptions: list[Subscription] = []
        self.on_reset()

    def on_reset(self) -> None:
        self.cash = self.config.initial_cash
        self.positions: dict[str, Position] = {}
        self.risk: dict[str, ContractRisk] = {}
        self.ledger = TradeLedger()
        self.snapshots: list[PortfolioSnapshot] = []
        self.fees = 0.0
        self._bar: Bar | None = None
        self._chain: ChainSnapshot | None = None
        self._previous: dict[str, _Held] = {}
        self._previous_spot: float | None = None
        self._previous_ts: int | None = None
        self._previous_equity = self.config.initial_cash
        self._dividends: dict[tuple[str, int], float] = {}

    def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(ORDERS, self.ledger_order),
            self.bus.subscribe(FILLS, self._on_fill),
            self.bus.subscribe(BARS, self._on_bar),
            self.bus.subscribe(CHAINS, self._on_chain),
            self.bus.subscribe(SESSIONS, self._on_session_close),
        ]

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    # -- inputs ----------------------------------------------------------------------------
    def ledger_order(self, intent: OrderIntent) -> None:
        """Record which trade an order belongs to (the ledger books its fills there)."""
        self.ledger.on_order(intent)

    def _on_bar(self, bar: Bar) -> None:
        if bar.symbol == self.underlying:
            self._bar = bar
            if self.underlying in self.positions:
                self.risk[self.underlying] = msgspec.structs.replace(
                    _UNDERLYING_RISK, mark=bar.close
                )

    def _on_chain(self, chain: ChainSnapshot) -> None:
        if chain.underlying != self.underlying:
            return
        self._chain = chain
        if self.positions:  # Greeks of the held contracts, one vectorised call, on every chain
            self._mark()
            self.bus.publish(PORTFOLIO, self._snapshot(chain.ts_ns, _day_of(chain.ts_ns)))

    def _on_fill(self, fill: Fill) -> None:
        multiplier = self.multiplier(fill.symbol)
        position = self.positions.get(fill.symbol) or Position(
            symbol=fill.symbol,
            underlying=self.underlying,
            quantity=0,
            avg_price=0.0,
            multiplier=multiplier,
        )
        updated, _ = position.apply(fill)
        if updated.is_flat:
            self.positions.pop(fill.symbol, None)
        else:
            self.positions[fill.symbol] = updated
        self.cash -= fill.signed_quantity * fill.price * multiplier + fill.fee
        self.fees += fill.fee
        self.ledger.on_fill(fill, multiplier, settlement=fill.client_order_id.startswith("settle"))
        if fill.symbol not in self.risk:  # until the next mark: the fill price, no Greeks known
            base = _OPTION_UNKNOWN if is_option_symbol(fill.symbol) else _UNDERLYING_RISK
            self.risk[fill.symbol] = msgspec.structs.replace(base, mark=fill.price)

    @staticmethod
    def multiplier(symbol: str) -> int:
        """Contract multiplier: 100 for options, 1 for the underlying."""
        return OPTION_MULTIPLIER if is_option_symbol(symbol) else 1

    # -- session close ---------------------------------------------------------------------
    def _on_session_close(self, event: SessionClose) -> None:
        self._settle_expired(event)
        self._mark()
        self._publish_snapshot(event)

    def _settle_expired(self, event: SessionClose) -> None:
        bar = self._bar
        if bar is None:
            return
        prints = SettlementPrint(day=event.day, ts_ns=event.ts_ns, open=bar.open, close=bar.close)
        self._assign_before_ex_dividend(event, bar.close)
        for symbol, distance in pin_risks(self.positions, prints, self.pin_distance):
            self._notice(
                "pin_risk",
                symbol,
                self.positions[symbol].quantity,
                f"short leg expires {distance:.2f} from its strike: assignment is uncertain",
                event.ts_ns,
            )
        fills = expiry_fills(self.positions, prints)  # every leg against the same prints
        for fill in fills:
            self.bus.publish(FILLS, fill)
            if is_option_symbol(fill.symbol):
                self.risk.pop(fill.symbol, None)
            else:
                self._notice(
                    "exercise", fill.symbol, fill.signed_quantity, fill.fill_id, fill.ts_ns
                )

    def expect_dividend(self, underlying: str, ex_ts_ns: int, amount: float) -> None:
        """A known dividend (per share): short ITM calls may be assigned the session before."""
        self._dividends[(underlying, ex_ts_ns)] = amount

    def _assign_before_ex_dividend(self, event: SessionClose, spot: float) -> None:
        for (underlying, ex_ts_ns), amount in sorted(self._dividends.items()):
            if not 0 < ex_ts_ns - event.ts_ns <= _EX_DIVIDEND_LOOKAHEAD_NS:
                continue
            del self._dividends[(underlying, ex_ts_ns)]
            held = {
                s: p
                for s, p in self.positions.items()
                if is_option_symbol(s) and underlying_for_root(parse_contract(s).root) == underlying
            }
            for symbol in early_assignments(held, self.marks(), spot, amount):
                position = self.positions[symbol]
                terms = parse_contract(symbol)
                order_id = f"assign-{event.day}"
                self._notice(
                    "early_assignment",
                    symbol,
                    position.quantity,
                    f"dividend {amount:.2f} exceeds the call's time value: assigned",
                    event.ts_ns,
                )
                for fill in assignment_fills(order_id, position, terms, spot, event.ts_ns):
                    self.bus.publish(FILLS, fill)
                self.risk.pop(symbol, None)

    def _notice(self, kind: str, symbol: str, quantity: int, message: str, ts_ns: int) -> None:
        self.bus.publish(
            EXECUTION_NOTICES,
            ExecutionNotice(
                kind=kind,
                symbol=symbol,
                quantity=quantity,
                reason_code=kind,
                message=message,
                ts_ns=ts_ns,
            ),
        )

    def _mark(self) -> None:
        chain = self._chain
        options = [parse_contract(s) for s in self.positions if is_option_symbol(s)]
        if chain is not None and options:
            self.risk.update(contract_risks(chain, options))
        if self._bar is not None and self.underlying in self.positions:
            self.risk[self.underlying] = msgspec.structs.replace(
                _UNDERLYING_RISK, mark=self._bar.close
            )
        for symbol in list(self.risk):
            if symbol not in self.positions:
                del self.risk[symbol]

    def marks(self) -> dict[str, float]:
        """Latest mark per held symbol (price per share)."""
        return {symbol: risk.mark for symbol, risk in self.risk.items()}

    def equity(self) -> float:
        """Cash plus the marked value of every position."""
        value = 0.0
        for symbol, position in self.positions.items():
            risk = self.risk.get(symbol)
            mark = risk.mark if risk is not None else position.avg_price
            value += position.quantity * mark * position.multiplier
        return self.cash + value

    def _held(self) -> dict[str, _Held]:
        held = {}
        for symbol, position in self.positions.items():
            risk = self.risk.get(symbol, _OPTION_UNKNOWN)
            held[symbol] = _Held(
                quantity=position.quantity, multiplier=position.multiplier, risk=risk
            )
        return held

    def _attribute(self, spot: float, ts_ns: int) -> tuple[float, float, float, float]:
        if self._previous_spot is None or self._previous_ts is None:
            return 0.0, 0.0, 0.0, 0.0
        d_spot = spot - self._previous_spot
        d_years = (ts_ns - self._previous_ts) / NS_PER_YEAR
        p_delta = p_gamma = p_vega = p_theta = 0.0
        for symbol, held in self._previous.items():
            weight = held.quantity * held.multiplier
            risk = held.risk
            now = self.risk.get(symbol)
            d_vol = (now.iv - risk.iv) if now is not None and risk.iv > 0.0 else 0.0
            p_delta += weight * risk.delta * d_spot
            p_gamma += weight * 0.5 * risk.gamma * d_spot * d_spot
            p_vega += weight * risk.vega * d_vol
            p_theta += weight * risk.theta * d_years
        return p_delta, p_gamma, p_vega, p_theta

    def _publish_snapshot(self, event: SessionClose) -> None:
        snapshot = self._snapshot(event.ts_ns, event.day)
        self.snapshots.append(snapshot)
        self._previous = self._held()
        self._previous_spot = self._bar.close if self._bar is not None else 0.0
        self._previous_ts = event.ts_ns
        self._previous_equity = snapshot.equity
        self.bus.publish(PORTFOLIO, snapshot)

    def _snapshot(self, ts_ns: int, day: str) -> PortfolioSnapshot:
        """The book now; P&L since the last session close (intraday: the day's P&L so far)."""
        spot = self._bar.close if self._bar is not None else 0.0
        equity = self.equity()
        p_delta, p_gamma, p_vega, p_theta = self._attribute(spot, ts_ns)
        pnl = equity - self._previous_equity
        held = self._held()
        totals = [0.0, 0.0, 0.0, 0.0]
        gross = 0.0
        for item in held.values():
            weight = item.quantity * item.multiplier
            totals[0] += weight * item.risk.delta
            totals[1] += weight * item.risk.gamma
            totals[2] += weight * item.risk.vega
            totals[3] += weight * item.risk.theta / 365.0
            gross += abs(weight * item.risk.mark)
        return PortfolioSnapshot(
            ts_ns=ts_ns,
            day=day,
            equity=equity,
            cash=self.cash,
            gross_exposure=gross,
            open_positions=len(held),
            delta=totals[0],
            gamma=totals[1],
            vega=totals[2],
            theta=totals[3],
            pnl=pnl,
            pnl_delta=p_delta,
            pnl_gamma=p_gamma,
            pnl_vega=p_vega,
            pnl_theta=p_theta,
            pnl_residual=pnl - (p_delta + p_gamma + p_vega + p_theta),
        )

    def exposure(self) -> list[ExposureRow]:
        """Dollar Greeks and size by underlying and expiry at the latest marks."""
        return exposure_by_expiry(self.positions, self.risk)

    def trades(self) -> list[Trade]:
        """Closed trades, then open trades marked at the latest marks."""
        return [*self.ledger.closed, *self.ledger.open_trades(self.marks())]
