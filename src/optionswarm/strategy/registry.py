"""Reference strategies by the name used in settings and on the command line."""

from __future__ import annotations

from typing import Final

from optionswarm.bus import MessageBus
from optionswarm.config import StrategyName, StrategySettings
from optionswarm.engine import Clock
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.options import CoveredCall, ShortPutSpread
from optionswarm.strategy.swarm import SwarmEqualWeightStrategy, SwarmStrategy
from optionswarm.strategy.underlying import BuyAndHold, SmaCrossover

__all__ = ["NEEDS_CHAINS", "STRATEGIES", "build_strategy"]

STRATEGIES: Final[dict[str, type[StrategyComponent]]] = {
    "buy-and-hold": BuyAndHold,
    "sma-crossover": SmaCrossover,
    "covered-call": CoveredCall,
    "short-put-spread": ShortPutSpread,
    "swarm": SwarmStrategy,
    "swarm-equal": SwarmEqualWeightStrategy,
}
NEEDS_CHAINS: Final = frozenset({"covered-call", "short-put-spread", "swarm", "swarm-equal"})


def build_strategy(
    name: StrategyName,
    bus: MessageBus,
    clock: Clock,
    config: StrategySettings,
    *,
    underlying: str,
    initial_equity: float,
) -> StrategyComponent:
    """Construct the named reference strategy."""
    return STRATEGIES[name](
        name, bus, clock, config, underlying=underlying, initial_equity=initial_equity
    )
