"""The oversight configuration: which orders need a human, for how long, and by how many.

Every field is keyword-only and unknown keys are refused, so a TOML ``[oversight]`` table maps
onto it with ``msgspec.convert(table, OversightConfig)`` (``OversightConfig.from_mapping``).
A threshold of ``None`` switches its rule off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

__all__ = ["ApprovalMode", "OversightConfig", "PolicyConfig"]

ApprovalMode = Literal["human", "approve_all", "reject_all", "approve_under_max_loss"]
_NS = 1_000_000_000


class PolicyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The approval policy's rules; an order that trips any of them waits for a human.

    ``max_loss_above`` / ``notional_above``: dollars for the whole order. ``undefined_risk``:
    unbounded structures. ``confidence_below``: the consensus behind a strategy order.
    ``while_reducing``: any order while trading is reduce-only. ``first_trade_in_underlying``:
    an underlying never traded before. ``veto_agents`` with a view of conviction at least
    ``veto_conviction`` flag the decision. ``manual_quantity_above``: manual orders bigger than
    this many units (0: every manual order).
    """

    max_loss_above: float | None = 5_000.0
    notional_above: float | None = 1_000_000.0
    undefined_risk: bool = True
    confidence_below: float | None = 0.55
    while_reducing: bool = True
    first_trade_in_underlying: bool = True
    veto_agents: frozenset[str] = frozenset({"calendar"})
    veto_conviction: float = 0.5
    manual_quantity_above: int | None = 0


class OversightConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The approval queue: policy, time-to-live, four eyes, re-check tolerance, backtest mode.

    ``four_eyes_max_loss_above``: at or above this max loss (dollars; unbounded always counts)
    two different approvers are needed. ``price_tolerance``: at approval time the package mid
    may have moved at most this fraction of the underlying's spot per unit, and the spot at most
    ``spot_tolerance`` (a fraction), from what the approver was shown. ``mode``: ``human`` waits
    for people; the others stand in for them in backtests (``approve_under_max_loss`` approves
    orders whose max loss is below ``auto_approve_max_loss``). ``sync_interval_ns``: how often
    the node carries out decisions another process (the CLI) wrote to the store (None: only
    when ``OversightService.sync`` is called).
    """

    policy: PolicyConfig = PolicyConfig()
    ttl_ns: int = 15 * 60 * _NS
    four_eyes_max_loss_above: float | None = 25_000.0
    price_tolerance: float = 0.005
    spot_tolerance: float = 0.01
    mode: ApprovalMode = "human"
    auto_approve_max_loss: float = 10_000.0
    table_prefix: str = "oversight_"
    sync_interval_ns: int | None = None  # pick up decisions made by another process (the CLI)

    def __post_init__(self) -> None:
        if self.ttl_ns <= 0:
            raise ValueError(f"ttl_ns must be > 0, got {self.ttl_ns}")
        if self.price_tolerance < 0 or self.spot_tolerance < 0:
            raise ValueError("price_tolerance and spot_tolerance must be >= 0")

    @classmethod
    def from_settings(cls, section: Any) -> OversightConfig:
        """From the node settings' ``oversight`` section (``optionswarm.config``)."""
        policy = PolicyConfig(
            max_loss_above=section.max_loss_above,
            notional_above=section.notional_above,
            undefined_risk=section.undefined_risk,
            confidence_below=section.confidence_below,
            while_reducing=section.while_reducing,
            first_trade_in_underlying=section.first_trade_in_underlying,
            veto_agents=frozenset(section.veto_agents),
            veto_conviction=section.veto_conviction,
            manual_quantity_above=section.manual_quantity_above,
        )
        return cls(
            policy=policy,
            ttl_ns=int(section.ttl_s * _NS),
            four_eyes_max_loss_above=section.four_eyes_max_loss_above,
            price_tolerance=section.price_tolerance,
            spot_tolerance=section.spot_tolerance,
            mode=section.mode,
            auto_approve_max_loss=section.auto_approve_max_loss,
        )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> OversightConfig:
        """From a settings table (e.g. TOML ``[oversight]``); unknown keys are refused."""
        return msgspec.convert(dict(table), cls)
