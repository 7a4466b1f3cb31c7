"""Each agent's measured track record: exponentially decayed Brier scores per volatility regime.

A view is *recorded* when it is made (time t, with the reference close and ATM IV known at t)
and *resolved* only at the first update at or after ``t + horizon_days`` -- the outcome enters
the score then and never earlier, so a weight used at time T is built from outcomes known by T.

What is scored: a directional view forecasts P(close at t+h > close at t) = ``probability`` when
bullish (1 - ``probability`` when bearish); a neutral view with a vol call forecasts
P(ATM IV at t+h > ATM IV at t) likewise. Neutral, flat views and abstentions are not scored.
Ties (no change) are skipped.

Weights: measured weight ``exp(sharpness * (0.25 - brier) / 0.25)`` (0.25 is the coin's Brier
score), shrunk toward the equal weight 1 by ``(n * w + prior * 1) / (n + prior)`` where ``n`` is
the decayed count of resolved outcomes, so a new agent starts at equal weight.
"""

from __future__ import annotations

import heapq
import itertools
import math

import msgspec

from optionswarm.model import NS_PER_DAY, Direction, View, VolView

__all__ = ["AgentScore", "ResolvedOutcome", "TrackRecord", "TrackRecordConfig"]

COIN_BRIER = 0.25


class TrackRecordConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Decay, shrinkage and the mapping from Brier score to weight."""

    half_life: float = 60.0  # resolved outcomes
    prior_outcomes: float = 30.0  # shrinkage strength toward equal weight
    sharpness: float = 10.0
    min_weight: float = 0.05
    max_weight: float = 4.0


class ResolvedOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """One scored view: when it was made and resolved, what it forecast and what happened."""

    agent_id: str
    regime: str
    kind: str  # "direction" | "vol"
    made_ns: int
    resolved_ns: int
    forecast: float  # probability of the event (up / IV rises)
    outcome: int  # 1 if the event happened
    brier: float


class AgentScore(msgspec.Struct, frozen=True, kw_only=True):
    """An agent's record in one regime (``regime="all"`` pools every regime)."""

    agent_id: str
    regime: str
    resolved: int
    effective_n: float
    brier: float
    hit_rate: float
    weight: float


class _Pending(msgspec.Struct, frozen=True, order=True):
    resolve_ns: int
    seq: int
    agent_id: str
    regime: str
    kind: str
    made_ns: int
    forecast: float
    reference: float


class _Cell:
    __slots__ = ("count", "hits", "n", "total")

    def __init__(self) -> None:
        self.total = 0.0  # decayed sum of Brier scores
        self.n = 0.0  # decayed count
        self.count = 0
        self.hits = 0


def _forecast(view: View) -> tuple[str, float] | None:
    """(kind, probability of the up / rise event) for a scoreable view, else None."""
    if view.is_abstention:
        return None
    if view.direction is not Direction.NEUTRAL:
        p = view.probability
        return "direction", p if view.direction is Direction.BULLISH else 1.0 - p
    if view.vol_view is not VolView.FLAT:
        p = view.probability
        return "vol", p if view.vol_view is VolView.RISING else 1.0 - p
    return None


class TrackRecord:
    """Records views, resolves them when their horizon has passed and weights agents."""

    def __init__(self, config: TrackRecordConfig | None = None) -> None:
        self.config = config or TrackRecordConfig()
        self._decay = 0.5 ** (1.0 / self.config.half_life)
        self._pending: list[_Pending] = []
        self._seq = itertools.count()
        self._cells: dict[tuple[str, str], _Cell] = {}
        self.resolved: list[ResolvedOutcome] = []
        self.latest_ns: int | None = None

    def record(self, view: View, *, close: float, atm_iv: float, regime: str) -> bool:
        """Queue ``view`` for scoring; False if it is not scoreable (or lacks a reference)."""
        scored = _forecast(view)
        if scored is None:
            return False
        kind, forecast = scored
        reference = close if kind == "direction" else atm_iv
        if not math.isfinite(reference):
            return False
        resolve_ns = view.ts_ns + max(view.horizon_days, 1) * NS_PER_DAY
        item = _Pending(
            resolve_ns,
            next(self._seq),
            view.agent_id,
            regime,
            kind,
            view.ts_ns,
            forecast,
            reference,
        )
        heapq.heappush(self._pending, item)
        return True

    @property
    def pending(self) -> int:
        """Views recorded but not yet resolved."""
        return len(self._pending)

    def resolve(self, now_ns: int, *, close: float, atm_iv: float) -> int:
        """Score every view whose horizon ended at or before ``now_ns``; returns how many.

        ``close`` and ``atm_iv`` are the values known at ``now_ns``.
        """
        if self.latest_ns is not None and now_ns < self.latest_ns:
            raise ValueError(f"resolve at {now_ns} is before the last one ({self.latest_ns})")
        self.latest_ns = now_ns
        done = 0
        while self._pending and self._pending[0].resolve_ns <= now_ns:
            item = heapq.heappop(self._pending)
            value = close if item.kind == "direction" else atm_iv
            if not math.isfinite(value) or abs(value - item.reference) <= 1e-12:
                continue
            outcome = 1 if value > item.reference else 0
            self._score(item, outcome, now_ns)
            done += 1
        return done

    def _score(self, item: _Pending, outcome: int, now_ns: int) -> None:
        brier = (item.forecast - outcome) ** 2
        hit = (item.forecast > 0.5) == (outcome == 1)
        for regime in (item.regime, "all"):
            cell = self._cells.setdefault((item.agent_id, regime), _Cell())
            cell.total = self._decay * cell.total + brier
            cell.n = self._decay * cell.n + 1.0
            cell.count += 1
            cell.hits += int(hit)
        self.resolved.append(
            ResolvedOutcome(
                agent_id=item.agent_id,
                regime=item.regime,
                kind=item.kind,
                made_ns=item.made_ns,
                resolved_ns=now_ns,
                forecast=item.forecast,
                outcome=outcome,
                brier=brier,
            )
        )

    def weight(self, agent_id: str, regime: str) -> float:
        """The agent's weight in ``regime`` (1.0 with no record: equal weight)."""
        cell = self._cells.get((agent_id, regime))
        if cell is None or cell.n <= 0.0:
            return 1.0
        cfg = self.config
        brier = cell.total / cell.n
        measured = math.exp(cfg.sharpness * (COIN_BRIER - brier) / COIN_BRIER)
        shrunk = (cell.n * measured + cfg.prior_outcomes) / (cell.n + cfg.prior_outcomes)
        return min(max(shrunk, cfg.min_weight), cfg.max_weight)

    def scores(self) -> list[AgentScore]:
        """Every (agent, regime) record, sorted by agent then regime."""
        out = []
        for (agent_id, regime), cell in sorted(self._cells.items()):
            out.append(
                AgentScore(
                    agent_id=agent_id,
                    regime=regime,
                    resolved=cell.count,
                    effective_n=cell.n,
                    brier=cell.total / cell.n if cell.n > 0 else math.nan,
                    hit_rate=cell.hits / cell.count if cell.count else math.nan,
                    weight=self.weight(agent_id, regime),
                )
            )
        return out
