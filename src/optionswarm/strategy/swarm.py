"""``SwarmStrategy``: the swarm's decision turned into option structures, sized from a risk budget.

Per chain update: the swarm decides (track-record weighting; ``swarm-equal`` trades the
equal-weight baseline instead); an open structure is checked for exits (``exits``); with no
structure open, an actionable decision picks a structure (``structures``), strikes by delta and
expiry by DTE (``builders``) and a contract count from the risk budget (``sizing``). Orders go
out as ``OrderIntent``s through the engine's ``decide_and_order``; the strategy never talks to
a broker or to the risk gate.

Warm-up: before the first bar of a run the swarm replays up to ``warmup_sessions`` earlier
sessions of the same underlying (bars and modelled chains, all stamped before the run starts)
so that features and track records are formed; no orders are sent during warm-up.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from typing import Any, ClassVar

import msgspec

from optionswarm.agents import Swarm, SwarmConfig, Weighting, size_factor
from optionswarm.bus import MessageBus
from optionswarm.config import StrategySettings
from optionswarm.data import ArchDataSource, ModelledChainBuilder, UnderlyingSource
from optionswarm.data.calendar import NEW_YORK
from optionswarm.engine import Clock
from optionswarm.engine.events import OrderRejected
from optionswarm.model import Bar, ChainSnapshot, Decision, OrderLeg
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.builders import build_structure
from optionswarm.strategy.exits import ExitConfig, OpenStructure, check_exit
from optionswarm.strategy.sizing import SizingConfig, contracts_for
from optionswarm.strategy.structures import StructureConfig, StructureKind, choose_structure

__all__ = ["SwarmEqualWeightStrategy", "SwarmStrategy", "SwarmStrategyConfig", "swarm_config_from"]


class SwarmStrategyConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The swarm, structure, exit and sizing settings of the swarm strategy."""

    swarm: SwarmConfig = msgspec.field(default_factory=SwarmConfig)
    structures: StructureConfig = msgspec.field(default_factory=StructureConfig)
    exits: ExitConfig = msgspec.field(default_factory=ExitConfig)
    sizing: SizingConfig = msgspec.field(default_factory=SizingConfig)
    warmup_sessions: int = 504


def swarm_config_from(settings: StrategySettings) -> SwarmStrategyConfig:
    """Swarm defaults, overridden by the strategy settings the user set explicitly."""
    given = settings.model_fields_set
    base = SwarmStrategyConfig()
    structures, exits, sizing = base.structures, base.exits, base.sizing
    if "target_dte" in given:
        structures = msgspec.structs.replace(structures, target_dte=settings.target_dte)
    if "max_dte_error" in given:
        structures = msgspec.structs.replace(structures, max_dte_error=settings.max_dte_error)
    if "target_delta" in given:
        structures = msgspec.structs.replace(structures, short_delta=settings.target_delta)
    if "wing_delta" in given:
        structures = msgspec.structs.replace(structures, wing_delta=settings.wing_delta)
    if "exit_dte" in given:
        exits = msgspec.structs.replace(exits, exit_dte=settings.exit_dte)
    if "take_profit" in given:
        exits = msgspec.structs.replace(exits, take_profit=settings.take_profit)
    if "risk_fraction" in given:
        sizing = msgspec.structs.replace(sizing, risk_fraction=settings.risk_fraction)
    warmup = settings.warmup_sessions if "warmup_sessions" in given else base.warmup_sessions
    return msgspec.structs.replace(
        base, structures=structures, exits=exits, sizing=sizing, warmup_sessions=warmup
    )


class SwarmStrategy(StrategyComponent):
    """Trades the track-record-weighted swarm decision (see the module docstring)."""

    weighting: ClassVar[Weighting] = "track_record"

    def __init__(
        self,
        name: str,
        bus: MessageBus,
        clock: Clock,
        config: StrategySettings,
        *,
        underlying: str,
        initial_equity: float,
        swarm_config: SwarmStrategyConfig | None = None,
        warmup_source: UnderlyingSource | None = None,
    ) -> None:
        self.swarm_config = swarm_config or swarm_config_from(config)
        self._warmup_source = warmup_source
        super().__init__(
            name, bus, clock, config, underlying=underlying, initial_equity=initial_equity
        )

    def reset_state(self) -> None:
        # the baseline's Decision object is built only when it is the one traded
        swarm_config = msgspec.structs.replace(
            self.swarm_config.swarm, build_baseline_decision=self.weighting == "equal"
        )
        self.swarm = Swarm(self.underlying, config=swarm_config)
        self.position: OpenStructure | None = None
        self.decisions: deque[Decision] = deque(maxlen=1_000)
        self.opened: Counter[str] = Counter()
        self.exits: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._rejected: set[str] = set()
        self._warmed = False
        self.warmup_sessions_replayed = 0

    # -- inputs ----------------------------------------------------------------------------
    def on_bar(self, bar: Bar) -> None:
        self.warm_up_before(bar)
        self.swarm.on_bar(bar)

    def on_chain(self, chain: ChainSnapshot) -> None:
        out = self.swarm.on_chain(chain)
        decision = out.baseline if out.baseline is not None else out.decision
        self.decisions.append(decision)
        rolled_from = None
        position = self.position
        if position is not None and self._manage(position, chain):
            rolled_from = position.plan.kind
        if self.position is None and decision.is_actionable:
            self._open(chain, decision, rolled_from)

    def on_rejected(self, rejection: OrderRejected) -> None:
        self._rejected.add(rejection.client_order_id)
        if self.position is not None and rejection.client_order_id == self.position.trade_id:
            self.position = None

    # -- warm-up ---------------------------------------------------------------------------
    def warm_up_before(self, first: Bar) -> None:
        """Warm up now on the history before ``first`` (as its arrival would), once."""
        if not self._warmed:
            self._warmed = True
            self._warm_up(first)

    def _warm_up(self, first: Bar) -> None:
        sessions = self.swarm_config.warmup_sessions
        source = self._warmup_source
        if source is None and self.underlying in ArchDataSource().symbols():
            source = ArchDataSource()
        if source is None or sessions <= 0:
            return
        first_day = dt.datetime.fromtimestamp(first.ts_ns / 1e9, tz=NEW_YORK).date()
        history = source.bars(self.underlying, None, first_day - dt.timedelta(days=1))
        bars = [b for b in history.to_bars() if b.ts_ns < first.ts_ns]
        if not bars:
            return
        builder = ModelledChainBuilder(source)
        lead = self.swarm.features.config.iv_rank_window // 2
        start = max(0, len(bars) - sessions)
        for i, bar in enumerate(bars[max(0, start - lead) :], start=max(0, start - lead)):
            self.swarm.on_bar(bar)
            if i >= start:
                day = dt.datetime.fromtimestamp(bar.ts_ns / 1e9, tz=NEW_YORK).date()
                self.swarm.on_chain(builder.chain_on(self.underlying, day))
                self.warmup_sessions_replayed += 1
        self.swarm.reasons.clear()  # decision counts cover the run itself; records carry over
        self.swarm.baseline_reasons.clear()

    # -- positions -------------------------------------------------------------------------
    def _manage(self, position: OpenStructure, chain: ChainSnapshot) -> bool:
        """Close the position when an exit fires; True when it was closed by ``dte_exit``."""
        live = [leg for leg in position.plan.legs if leg.expiry_ns > chain.ts_ns]
        if len(live) < len(position.plan.legs):
            self._close(position, live, "expired", "the nearest leg expired and was settled")
            return False
        signal = check_exit(position, chain, self.swarm_config.exits)
        if signal is None:
            return False
        self._close(position, live, signal.reason_code, signal.explanation)
        return signal.reason_code == "dte_exit" and self.position is None

    def _close(self, position: OpenStructure, legs: list[Any], code: str, why: str) -> None:
        self.exits[code] += 1
        if not legs:
            self.position = None
            return
        intent = self.decide_and_order(
            action="close",
            reason_code=code,
            explanation=f"Close the {position.plan.kind.value} ({why}).",
            legs=tuple(
                OrderLeg(symbol=leg.symbol, side=leg.side.opposite, ratio=leg.ratio) for leg in legs
            ),
            quantity=position.quantity,
            structure=position.plan.kind.value,
            trade_id=position.trade_id,
        )
        if intent.client_order_id not in self._rejected:
            self.position = None

    def _open(
        self, chain: ChainSnapshot, decision: Decision, rolled_from: StructureKind | None
    ) -> None:
        cfg = self.swarm_config
        kind = choose_structure(decision.direction, decision.vol_view, cfg.structures)
        plan = build_structure(kind, chain, cfg.structures)
        if plan is None:
            self.skipped["no_structure"] += 1
            return
        factor = size_factor(decision)
        quantity = contracts_for(self.equity, plan.max_loss, factor, cfg.sizing)
        if quantity < 1:
            self.skipped["size_below_one"] += 1
            return
        roll = cfg.exits.roll and rolled_from is kind
        budget = cfg.sizing.risk_fraction * factor
        intent = self.decide_and_order(
            action="open",
            reason_code="roll" if roll else f"open_{kind.value}",
            explanation=(
                ("Roll: " if roll else "")
                + plan.describe(chain.spot, chain.ts_ns)
                + f" Size {quantity} = floor({budget:.2%} of equity {self.equity:,.0f} / max "
                f"loss {plan.max_loss:,.0f}); size factor {factor:.2f} from confidence "
                f"{decision.confidence:.2f} and disagreement {decision.disagreement:.2f}. "
                f"Decision {decision.decision_id}: {decision.explanation}"
            ),
            legs=tuple(
                OrderLeg(symbol=leg.symbol, side=leg.side, ratio=leg.ratio) for leg in plan.legs
            ),
            quantity=quantity,
            structure=kind.value,
        )
        if intent.client_order_id in self._rejected:
            self.skipped["rejected"] += 1
            return
        self.opened[kind.value] += 1
        self.position = OpenStructure(
            trade_id=intent.client_order_id, plan=plan, quantity=quantity, opened_ns=chain.ts_ns
        )

    # -- report ----------------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """JSON-ready: the swarm's track records and baseline comparison, plus trading counts."""
        return {
            "trades_with": self.weighting,
            **self.swarm.report(),
            "structures_opened": dict(sorted(self.opened.items())),
            "exits": dict(sorted(self.exits.items())),
            "skipped": dict(sorted(self.skipped.items())),
            "warmup_sessions": self.warmup_sessions_replayed,
        }


class SwarmEqualWeightStrategy(SwarmStrategy):
    """The baseline: the same swarm and structures, trading the equal-weight consensus."""

    weighting: ClassVar[Weighting] = "equal"
