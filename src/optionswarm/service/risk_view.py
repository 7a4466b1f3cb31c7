"""The risk engine as the dashboard shows it, and the one operator action it lacks (manual trip)."""

from __future__ import annotations

from optionswarm.risk import RiskEngine
from optionswarm.service import convert
from optionswarm.service import views as v

__all__ = ["risk_view"]


def risk_view(risk: RiskEngine) -> v.Risk:
    """Trading state, each breaker, the main limits and how much of them is used."""
    status = risk.status()
    config = risk.config
    breakers = []
    for name, breaker in sorted(risk.controls.breakers.items()):
        trip = breaker.tripped
        breakers.append(
            v.Breaker(
                name=name,
                tripped=trip is not None,
                reason=None if trip is None else trip.message,
                code=None if trip is None else str(trip.code),
                forces=breaker.forces.value,
                tripped_ns=None if trip is None else trip.ts_ns,
                needs_reset=trip is not None,
            )
        )
    total = config.greeks.total
    limits = {
        "delta": total.delta,
        "gamma": total.gamma,
        "vega": total.vega,
        "theta": total.theta,
        "max_loss_per_order": config.loss.max_loss_per_order,
        "max_stress_loss": config.loss.max_stress_loss,
        "max_order_contracts": _num(config.order.max_order_contracts),
        "max_order_premium": config.order.max_order_premium,
        "max_contracts_per_underlying": _num(config.positions.max_contracts_per_underlying),
    }
    contracts: dict[str, int] = {}
    for symbol, quantity in risk.book.positions.items():
        key = risk.market.options[symbol].underlying if symbol in risk.market.options else symbol
        contracts[key] = contracts.get(key, 0) + abs(quantity)
    usage = {
        "delta": abs(status.greeks[0]),
        "gamma": abs(status.greeks[1]),
        "vega": abs(status.greeks[2]),
        "theta": abs(status.greeks[3]),
        "positions": float(status.positions),
        "max_contracts_per_underlying": float(max(contracts.values(), default=0)),
        "margin_capital": status.margin_capital,
    }
    return v.Risk(
        ts_ns=status.ts_ns,
        trading_state=status.trading_state.value,
        kill_engaged=status.kill_engaged,
        breakers=breakers,
        limits=limits,
        usage=usage,
        greeks=convert.greeks_of(status.greeks),
        equity=status.equity,
        margin_capital=status.margin_capital,
        buying_power=status.buying_power,
    )


def _num(value: int | None) -> float | None:
    return None if value is None else float(value)
