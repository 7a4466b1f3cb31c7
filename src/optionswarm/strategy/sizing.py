"""Size from a risk budget: contracts = floor(budget / max loss per unit), an int, capped."""

from __future__ import annotations

import math

import msgspec

__all__ = ["SizingConfig", "contracts_for"]


class SizingConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Max loss per trade as a fraction of equity, and a hard cap on contracts."""

    risk_fraction: float = 0.02
    max_contracts: int = 500


def contracts_for(
    equity: float, max_loss_per_unit: float, size_factor: float, config: SizingConfig
) -> int:
    """Units such that their total max loss stays within ``risk_fraction * size_factor`` of equity.

    ``size_factor`` (0-1, from the decision's confidence and disagreement) scales the budget.
    Returns 0 when even one unit would exceed it, or when any input is not a positive number.
    """
    if not (equity > 0.0 and max_loss_per_unit > 0.0 and size_factor > 0.0):
        return 0
    if not math.isfinite(max_loss_per_unit):
        return 0
    budget = equity * config.risk_fraction * min(size_factor, 1.0)
    return max(0, min(config.max_contracts, math.floor(budget / max_loss_per_unit)))
