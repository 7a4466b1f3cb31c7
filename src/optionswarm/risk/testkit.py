"""Test helpers for anything that needs a working risk engine: a simulated clock, a recording
sink, a market built from a modelled chain, and order builders for common structures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from optionswarm.bus import InProcessBus
from optionswarm.engine import SimulatedClock
from optionswarm.model import ChainSnapshot, OrderIntent, OrderLeg, Side, expiry_date_of
from optionswarm.model.testkit import TS_NS, make_chain
from optionswarm.risk.config import RiskConfig
from optionswarm.risk.engine import RiskEngine
from optionswarm.risk.events import RiskEvent

__all__ = ["RecordingSink", "build_engine", "option_symbol", "order_of", "standard_chain"]

STRIKES = tuple(float(k) for k in range(80, 121, 5))


class RecordingSink:
    """An event sink that keeps every event (``of(type)`` filters)."""

    def __init__(self) -> None:
        self.events: list[RiskEvent] = []

    def __call__(self, event: RiskEvent) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        """The recorded events of one type, in order."""
        return [e for e in self.events if isinstance(e, kind)]


def standard_chain(underlying: str = "SPY", **overrides: Any) -> ChainSnapshot:
    """Spot 100, strikes 80..120 by 5, expiries 30 and 60 days, vol 20 % (``make_chain``)."""
    fields: dict[str, Any] = {
        "spot": 100.0,
        "strikes": STRIKES,
        "days_to_expiry": (30, 60),
        "half_spread": 0.05,
    }
    return make_chain(underlying, **{**fields, **overrides})


def option_symbol(chain: ChainSnapshot, strike: float, call: bool, expiry_index: int = 0) -> str:
    """The padded OSI symbol of one row of ``chain``."""
    expiry: dt.date = expiry_date_of(int(chain.expiries()[expiry_index]))
    root = str(chain.root[0])
    return f"{root:<6}{expiry:%y%m%d}{'C' if call else 'P'}{round(strike * 1000):08d}"


def order_of(
    legs: list[tuple[str, Side, int]],
    *,
    underlying: str = "SPY",
    quantity: int = 1,
    limit_price: float | None = 0.0,
    client_order_id: str = "ord-1",
    ts_ns: int = TS_NS,
    **overrides: Any,
) -> OrderIntent:
    """An order from ``(symbol, side, ratio)`` triples."""
    return OrderIntent(
        client_order_id=client_order_id,
        underlying=underlying,
        legs=tuple(OrderLeg(symbol=s, side=side, ratio=r) for s, side, r in legs),
        quantity=quantity,
        limit_price=limit_price,
        ts_ns=ts_ns,
        **overrides,
    )


def build_engine(
    config: RiskConfig | None = None, chain: ChainSnapshot | None = None, **kwargs: Any
) -> tuple[RiskEngine, SimulatedClock, RecordingSink]:
    """An engine on a simulated clock at the chain's time, with the chain's marks loaded."""
    chain = chain if chain is not None else standard_chain()
    clock = SimulatedClock(start_ns=chain.ts_ns)
    sink = RecordingSink()
    engine = RiskEngine(
        config or RiskConfig(), bus=InProcessBus(), clock=clock, sink=sink, **kwargs
    )
    engine.on_chain(chain)
    return engine, clock, sink
