"""The swarm as the dashboard shows it: agents, their latest views, weights and track records."""

from __future__ import annotations

from optionswarm.agents import Swarm
from optionswarm.model import Decision
from optionswarm.service import views as v

__all__ = ["agent_views", "latest_decisions"]


def latest_decisions(strategy: object, limit: int) -> list[Decision]:
    """The strategy's newest consensus decisions first (none for a non-swarm strategy)."""
    decisions = getattr(strategy, "decisions", None)
    if decisions is None:
        return []
    found = [d for d in list(decisions)[-limit:] if isinstance(d, Decision)]
    return found[::-1]


def agent_views(strategy: object) -> list[v.Agent]:
    """Each agent: fast ones from the swarm, slow ones as they appear in decisions (a strategy
    running in another process hands over its own ``agent_views_snapshot``)."""
    snapshot = getattr(strategy, "agent_views_snapshot", None)
    if isinstance(snapshot, list):
        return list(snapshot)
    swarm = getattr(strategy, "swarm", None)
    if not isinstance(swarm, Swarm):
        return []
    fast = {agent.agent_id for agent in swarm.agents}
    newest = latest_decisions(strategy, 1)
    contributions = {c.agent_id: c for c in newest[0].contributions} if newest else {}
    scores = {s.agent_id: s for s in swarm.track.scores() if s.regime == "all"}
    out = []
    for agent_id in sorted(fast | set(contributions)):
        c = contributions.get(agent_id)
        score = scores.get(agent_id)
        latest = None
        if c is not None:
            view = c.view
            latest = v.AgentView(
                direction=view.direction.value,
                probability=view.probability,
                conviction=view.conviction,
                vol_view=view.vol_view.value,
                rationale=view.rationale,
                ts_ns=view.ts_ns,
                abstain_reason=view.abstain_reason,
            )
        out.append(
            v.Agent(
                agent_id=agent_id,
                kind="fast" if agent_id in fast else "slow",
                weight=c.weight if c is not None else None,
                latest=latest,
                track_record=v.TrackRecordView(
                    calls=score.resolved if score is not None else 0,
                    brier=score.brier if score is not None else None,
                    hit_rate=score.hit_rate if score is not None else None,
                ),
            )
        )
    return out
