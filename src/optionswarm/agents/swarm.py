"""``Swarm``: features -> fast agents -> view board -> track record -> consensus, per underlying.

``on_bar`` and ``on_chain`` feed the feature engine; ``on_chain`` (or ``update``) then runs every
fast agent synchronously, adds the live views of slow agents (published to ``board`` on their
own cadence), resolves whatever outcomes have become known, and returns the track-record
``Decision`` together with the equal-weight baseline decided from the same views. Both
consensus forecasts are themselves recorded and scored, so the report says out of sample
whether weighting by track record beat equal weights.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import msgspec

from optionswarm.agents.calendar_agent import CalendarAgent
from optionswarm.agents.consensus import Consensus, ConsensusConfig
from optionswarm.agents.protocol import FastAgent, MarketState, ViewBoard
from optionswarm.agents.quant import MeanReversionAgent, SkewTermAgent, TrendAgent, VolRegimeAgent
from optionswarm.agents.track import TrackRecord, TrackRecordConfig
from optionswarm.features import FeatureConfig, FeatureEngine, Features
from optionswarm.model import (
    NS_PER_DAY,
    Bar,
    ChainSnapshot,
    Decision,
    Direction,
    Reason,
    View,
    VolView,
)

__all__ = [
    "BASELINE_ID",
    "TRACK_ID",
    "Swarm",
    "SwarmConfig",
    "SwarmOutput",
    "default_fast_agents",
    "vol_regime",
]

TRACK_ID = "consensus_track_record"
BASELINE_ID = "consensus_equal_weight"


class SwarmConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The swarm's parts; ``record_spacing_ns`` limits scoring to one view per agent per day."""

    features: FeatureConfig = msgspec.field(default_factory=FeatureConfig)
    consensus: ConsensusConfig = msgspec.field(default_factory=ConsensusConfig)
    track: TrackRecordConfig = msgspec.field(default_factory=TrackRecordConfig)
    record_spacing_ns: int = 20 * 3_600 * 1_000_000_000
    build_baseline_decision: bool = True  # False: score the baseline, skip its Decision object
    decision_horizon_days: int = 20
    low_regime_rank: float = 1.0 / 3.0
    high_regime_rank: float = 2.0 / 3.0


class SwarmOutput(msgspec.Struct, frozen=True, kw_only=True):
    """One update's result: the decision, the equal-weight baseline, the inputs' regime."""

    decision: Decision
    baseline: Decision | None  # None when ``build_baseline_decision`` is off
    regime: str
    features: Features


def default_fast_agents() -> list[FastAgent]:
    """Trend, mean reversion, vol regime, skew/term structure and the calendar risk agent."""
    return [TrendAgent(), MeanReversionAgent(), VolRegimeAgent(), SkewTermAgent(), CalendarAgent()]


def vol_regime(features: Features, low: float = 1.0 / 3.0, high: float = 2.0 / 3.0) -> str:
    """``low`` / ``normal`` / ``high`` by IV rank; ``unknown`` before the rank exists."""
    rank = features.iv_rank
    if not math.isfinite(rank):
        return "unknown"
    if rank < low:
        return "low"
    return "high" if rank > high else "normal"


def _consensus_view(agent_id: str, decision: Decision, d_score: float, horizon: int) -> View:
    """The consensus's own directional forecast P(up) = (1 + D) / 2, as a scoreable view.

    ``decision`` gives the underlying and the time only; ``d_score`` is the forecast scored.
    """
    direction = Direction.BULLISH if d_score >= 0 else Direction.BEARISH
    return View(
        agent_id=agent_id,
        underlying=decision.underlying,
        ts_ns=decision.ts_ns,
        direction=direction,
        probability=min(1.0, 0.5 + abs(d_score) / 2),
        vol_view=VolView.FLAT,
        conviction=min(1.0, abs(d_score)),
        horizon_days=horizon,
        rationale=f"consensus direction score {d_score:+.3f}",
    )


class Swarm:
    """The fast path of one underlying (see the module docstring)."""

    def __init__(
        self,
        underlying: str,
        agents: Sequence[FastAgent] | None = None,
        config: SwarmConfig | None = None,
    ) -> None:
        self.underlying = underlying
        self.config = cfg = config or SwarmConfig()
        self.agents = list(agents) if agents is not None else default_fast_agents()
        self.features = FeatureEngine(underlying, cfg.features)
        self.board = ViewBoard()
        self.track = TrackRecord(cfg.track)
        self.consensus = Consensus(cfg.consensus, self.track)
        baseline_cfg = msgspec.structs.replace(cfg.consensus, weighting="equal")
        self.baseline = Consensus(baseline_cfg, None)
        self.ledger = TrackRecord(cfg.track)  # scores the two consensus forecasts
        self._recorded: dict[str, int] = {}
        self.reasons: Counter[str] = Counter()
        self.baseline_reasons: Counter[str] = Counter()
        self.agent_errors = 0

    def on_bar(self, bar: Bar) -> None:
        """Feed a bar of the underlying."""
        self.features.on_bar(bar)

    def on_chain(self, chain: ChainSnapshot) -> SwarmOutput:
        """Feed a chain snapshot and decide."""
        self.features.on_chain(chain)
        return self.update(chain.ts_ns, chain)

    def _run_agent(self, agent: FastAgent, state: MarketState) -> View:
        try:
            return agent.on_update(state)
        except Exception as exc:
            self.agent_errors += 1
            return View.abstain(
                agent.agent_id,
                state.underlying,
                state.ts_ns,
                Reason.AGENT_ERROR,
                f"{type(exc).__name__}: {exc}"[:4000],
                ttl_ns=NS_PER_DAY,
            )

    def update(self, ts_ns: int, chain: ChainSnapshot | None = None) -> SwarmOutput:
        """Run the fast agents at ``ts_ns`` on the current features and decide."""
        cfg = self.config
        features = self.features.snapshot()
        close, atm_iv = features.close, features.atm_iv
        self.track.resolve(ts_ns, close=close, atm_iv=atm_iv)
        self.ledger.resolve(ts_ns, close=close, atm_iv=atm_iv)
        state = MarketState(underlying=self.underlying, ts_ns=ts_ns, features=features, chain=chain)
        for agent in self.agents:
            self.board.publish(self._run_agent(agent, state))
        views = self.board.live(self.underlying, ts_ns)
        regime = vol_regime(features, cfg.low_regime_rank, cfg.high_regime_rank)
        decision = self.consensus.decide(self.underlying, views, ts_ns, regime)
        d_track = self.consensus.last_scores[0]
        baseline: Decision | None = None
        if cfg.build_baseline_decision:
            baseline = self.baseline.decide(self.underlying, views, ts_ns, regime)
            baseline_reason = baseline.reason_code
        else:
            baseline_reason = self.baseline.evaluate(views, regime).reason
        d_equal = self.baseline.last_scores[0]
        self.reasons[decision.reason_code] += 1
        self.baseline_reasons[baseline_reason] += 1
        self._record(views, ts_ns, close, atm_iv, regime)
        if self._due("__consensus__", ts_ns):
            horizon = cfg.decision_horizon_days
            for agent_id, d_score in ((TRACK_ID, d_track), (BASELINE_ID, d_equal)):
                if abs(d_score) > 0.0:
                    view = _consensus_view(agent_id, decision, d_score, horizon)
                    self.ledger.record(view, close=close, atm_iv=atm_iv, regime=regime)
        return SwarmOutput(decision=decision, baseline=baseline, regime=regime, features=features)

    def _due(self, key: str, ts_ns: int) -> bool:
        last = self._recorded.get(key)
        if last is not None and ts_ns - last < self.config.record_spacing_ns:
            return False
        self._recorded[key] = ts_ns
        return True

    def _record(
        self, views: list[View], ts_ns: int, close: float, atm_iv: float, regime: str
    ) -> None:
        for view in views:
            last = self._recorded.get(view.agent_id)
            if last is not None and view.ts_ns - last < self.config.record_spacing_ns:
                continue
            if self.track.record(view, close=close, atm_iv=atm_iv, regime=regime):
                self._recorded[view.agent_id] = view.ts_ns

    def track_vs_equal(self) -> str:
        """Paired comparison of the two consensus forecasts on the calls both made and resolved.

        The mean Brier difference (track - equal) and its standard error over the paired calls;
        track-record weighting is said to add value only when the mean is below -2 standard
        errors, to lose value above +2, and to make no measurable difference in between.
        """
        made: dict[str, dict[int, float]] = {TRACK_ID: {}, BASELINE_ID: {}}
        for outcome in self.ledger.resolved:
            if outcome.agent_id in made:
                made[outcome.agent_id][outcome.made_ns] = outcome.brier
        paired = [
            b - made[BASELINE_ID][ts] for ts, b in made[TRACK_ID].items() if ts in made[BASELINE_ID]
        ]
        if len(paired) < 30:
            return f"not enough paired resolved calls ({len(paired)} < 30)"
        n = len(paired)
        mean = sum(paired) / n
        sd = math.sqrt(sum((d - mean) ** 2 for d in paired) / (n - 1))
        se = sd / math.sqrt(n)
        if mean < -2 * se:
            verdict = "adds value"
        elif mean > 2 * se:
            verdict = "loses value"
        else:
            verdict = "makes no measurable difference"
        return (
            f"track-record weighting {verdict} over equal weights: mean Brier difference "
            f"{mean:+.5f} (track - equal, standard error {se:.5f}) over {n} paired "
            f"{self.config.decision_horizon_days}-day consensus calls, each scored only after "
            "its outcome was known"
        )

    def report(self) -> dict[str, Any]:
        """JSON-ready: each agent's measured record, and track-record vs equal-weight consensus."""
        consensus = {
            s.agent_id: msgspec.to_builtins(s) for s in self.ledger.scores() if s.regime == "all"
        }
        return {
            "agents": [msgspec.to_builtins(s) for s in self.track.scores()],
            "consensus_forecasts": consensus,
            "track_vs_equal": self.track_vs_equal(),
            "decision_reasons": dict(sorted(self.reasons.items())),
            "baseline_decision_reasons": dict(sorted(self.baseline_reasons.items())),
            "agent_errors": self.agent_errors,
            "pending_outcomes": self.track.pending,
        }
