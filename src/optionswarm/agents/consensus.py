"""Consensus: live views -> one ``Decision``, weighted by track record (or equally, the baseline).

For every voting view (non-abstaining, not from a veto agent) with weight ``w`` (from the
``TrackRecord`` in the current regime, or 1 for the equal-weight baseline) and conviction ``c``:

* direction vote ``d = sign * (2p - 1)`` (directional views only); the score is
  ``D = sum(w c d) / sum(w c)`` over directional voters, and ``P(up) = (1 + D) / 2``;
* vol vote ``v = +1`` rising / ``-1`` falling (views with a vol call); ``V`` likewise;
* disagreement ``1 - |sum(w c x)| / sum(w c |x|)`` of the deciding dimension (0 = unanimous);
* the decision is bullish / bearish when ``|D| >= direction_threshold``, its vol view rising /
  falling when ``|V| >= vol_threshold``.

Reason codes, checked in order: ``all_abstained``, ``no_quorum`` (fewer than ``quorum``
voters), ``vetoed`` (a veto agent's live view has conviction >= ``veto_conviction``),
``below_confidence_threshold`` (nothing to act on), ``high_disagreement``, ``consensus``.
Each ``AgentContribution`` holds the view, its weight and its signed share of the score.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from optionswarm.agents.track import TrackRecord
from optionswarm.model import AgentContribution, Decision, Direction, Reason, View, VolView

__all__ = ["VETOED", "Consensus", "ConsensusConfig", "Evaluation", "Weighting", "size_factor"]

VETOED = "vetoed"  # a designated risk agent vetoed acting now
Weighting = Literal["track_record", "equal"]

_VOL_SIGN = {VolView.RISING: 1.0, VolView.FALLING: -1.0, VolView.FLAT: 0.0}


class ConsensusConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Quorum, veto, thresholds and the weighting scheme."""

    weighting: Weighting = "track_record"
    quorum: int = 2
    veto_agents: frozenset[str] = frozenset({"calendar"})
    veto_conviction: float = 0.5
    direction_threshold: float = 0.04  # |D|: P(up) at least 0.52 or at most 0.48
    vol_threshold: float = 0.3
    max_disagreement: float = 0.6


def size_factor(decision: Decision) -> float:
    """How much of the risk budget a decision earns: confidence-scaled, cut by disagreement."""
    if not decision.is_actionable:
        return 0.0
    return max(0.0, min(1.0, (0.5 + decision.confidence) * (1.0 - decision.disagreement)))


class _Tally:
    def __init__(self) -> None:
        self.num = 0.0
        self.den = 0.0
        self.abs_num = 0.0

    def add(self, weight: float, vote: float) -> None:
        self.num += weight * vote
        self.den += weight
        self.abs_num += weight * abs(vote)

    @property
    def score(self) -> float:
        return self.num / self.den if self.den > 0.0 else 0.0

    @property
    def disagreement(self) -> float:
        if self.abs_num <= 0.0:
            return 0.0
        return max(0.0, 1.0 - abs(self.num) / self.abs_num)


class _Votes:
    """What the views add up to: the two tallies, each agent's weight, voters and vetoes."""

    def __init__(self) -> None:
        self.direction = _Tally()
        self.vol = _Tally()
        self.weights: dict[str, float] = {}
        self.voters = 0
        self.vetoes: list[View] = []


class Evaluation:
    """What ``Consensus.evaluate`` found: scores, the chosen views and the reason code."""

    __slots__ = (
        "direction",
        "direction_score",
        "disagreement",
        "reason",
        "vol_score",
        "vol_view",
        "votes",
    )

    def __init__(
        self,
        *,
        votes: _Votes,
        direction_score: float,
        vol_score: float,
        direction: Direction,
        vol_view: VolView,
        disagreement: float,
        reason: str,
    ) -> None:
        self.votes = votes
        self.direction_score = direction_score
        self.vol_score = vol_score
        self.direction = direction
        self.vol_view = vol_view
        self.disagreement = disagreement
        self.reason = reason


class Consensus:
    """Combines live views into a ``Decision`` (see the module docstring)."""

    def __init__(self, config: ConsensusConfig | None = None, track: TrackRecord | None = None):
        self.config = config or ConsensusConfig()
        self.track = track
        self.last_scores = (0.0, 0.0)  # (direction score D, vol score V) of the last decision

    def weight(self, agent_id: str, regime: str) -> float:
        """The agent's weight now: its track-record weight, or 1 for equal weighting."""
        if self.config.weighting == "equal" or self.track is None:
            return 1.0
        return self.track.weight(agent_id, regime)

    def _tally(self, views: list[View], regime: str) -> _Votes:
        cfg = self.config
        votes = _Votes()
        for view in views:
            if view.agent_id in cfg.veto_agents:
                votes.weights[view.agent_id] = 0.0
                if not view.is_abstention and view.conviction >= cfg.veto_conviction:
                    votes.vetoes.append(view)
                continue
            w = votes.weights[view.agent_id] = self.weight(view.agent_id, regime)
            if view.is_abstention:
                continue
            votes.voters += 1
            if view.direction is not Direction.NEUTRAL:
                vote = view.direction.sign * (2 * view.probability - 1)
                votes.direction.add(w * view.conviction, vote)
            if view.vol_view is not VolView.FLAT:
                votes.vol.add(w * view.conviction, _VOL_SIGN[view.vol_view])
        return votes

    def evaluate(self, views: list[View], regime: str) -> Evaluation:
        """The scores, choice and reason code, without building a ``Decision`` (cheap)."""
        cfg = self.config
        votes = self._tally(views, regime)
        d_score, v_score = votes.direction.score, votes.vol.score
        self.last_scores = (d_score, v_score)
        chosen = Direction.NEUTRAL
        if abs(d_score) >= cfg.direction_threshold:
            chosen = Direction.BULLISH if d_score > 0 else Direction.BEARISH
        vol_view = VolView.FLAT
        if abs(v_score) >= cfg.vol_threshold:
            vol_view = VolView.RISING if v_score > 0 else VolView.FALLING
        deciding = [
            tally
            for tally, on in (
                (votes.direction, chosen is not Direction.NEUTRAL),
                (votes.vol, vol_view is not VolView.FLAT),
            )
            if on
        ]
        everything = max(votes.direction.disagreement, votes.vol.disagreement)
        disagreement = max((t.disagreement for t in deciding), default=everything)
        return Evaluation(
            votes=votes,
            direction_score=d_score,
            vol_score=v_score,
            direction=chosen,
            vol_view=vol_view,
            disagreement=disagreement,
            reason=self._reason(votes, chosen, vol_view, disagreement),
        )

    def decide(self, underlying: str, views: list[View], now_ns: int, regime: str) -> Decision:
        """The decision at ``now_ns`` from ``views`` (live views on ``underlying``)."""
        cfg = self.config
        ev = self.evaluate(views, regime)
        votes, reason = ev.votes, ev.reason
        chosen, vol_view = ev.direction, ev.vol_view
        d_score, v_score = ev.direction_score, ev.vol_score
        confidence = abs(d_score) if chosen is not Direction.NEUTRAL else abs(v_score) * 0.5
        contributions = tuple(
            AgentContribution(
                agent_id=view.agent_id,
                view=view,
                weight=votes.weights[view.agent_id],
                contribution=self._contribution(view, votes),
            )
            for view in views
        )
        head = (
            f"[{reason}] {chosen.value}, vol {vol_view.value}: P(up) {(1 + d_score) / 2:.3f}, "
            f"vol score {v_score:+.2f}, disagreement {ev.disagreement:.2f}, regime {regime}, "
            f"weighting {cfg.weighting}."
        )
        acting = reason == Reason.CONSENSUS
        return Decision(
            decision_id=f"{underlying}-{now_ns}-{cfg.weighting}",
            underlying=underlying,
            ts_ns=now_ns,
            direction=chosen if acting else Direction.NEUTRAL,
            vol_view=vol_view if acting else VolView.FLAT,
            confidence=min(1.0, confidence),
            disagreement=min(1.0, ev.disagreement),
            contributions=contributions,
            reason_code=reason,
            explanation=_explain(head, contributions, votes.vetoes),
        )

    def _reason(
        self, votes: _Votes, chosen: Direction, vol_view: VolView, disagreement: float
    ) -> str:
        cfg = self.config
        if votes.voters == 0:
            return Reason.ALL_ABSTAINED
        if votes.voters < cfg.quorum:
            return Reason.NO_QUORUM
        if votes.vetoes:
            return VETOED
        if chosen is Direction.NEUTRAL and vol_view is VolView.FLAT:
            return Reason.BELOW_CONFIDENCE_THRESHOLD
        if disagreement > cfg.max_disagreement:
            return Reason.HIGH_DISAGREEMENT
        return Reason.CONSENSUS

    def _contribution(self, view: View, votes: _Votes) -> float:
        """Signed share of the direction score (vol score for vol-only views)."""
        if view.is_abstention or view.agent_id in self.config.veto_agents:
            return 0.0
        weight = votes.weights[view.agent_id]
        if view.direction is not Direction.NEUTRAL and votes.direction.den > 0.0:
            vote = view.direction.sign * (2 * view.probability - 1)
            return weight * view.conviction * vote / votes.direction.den
        if view.vol_view is not VolView.FLAT and votes.vol.den > 0.0:
            return weight * view.conviction * _VOL_SIGN[view.vol_view] / votes.vol.den
        return 0.0


def _explain(head: str, contributions: tuple[AgentContribution, ...], vetoes: list[View]) -> str:
    parts = []
    for item in contributions:
        view = item.view
        if view.is_abstention:
            parts.append(f"{item.agent_id}: abstains ({view.abstain_reason})")
        else:
            parts.append(
                f"{item.agent_id}: {view.direction.value}/{view.vol_view.value} "
                f"p={view.probability:.2f} c={view.conviction:.2f} w={item.weight:.2f} "
                f"-> {item.contribution:+.3f}"
            )
    if vetoes:
        parts.append("veto: " + "; ".join(v.rationale for v in vetoes))
    text = " ".join([head, " | ".join(parts)]) if parts else head
    return text if len(text) <= 4000 else text[:3997] + "..."
