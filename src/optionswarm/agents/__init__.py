"""The swarm's fast path: the agent protocol, quant agents, track record and consensus.

Fast agents (``FastAgent.on_update(state) -> View``) run synchronously on every update; slow
agents (``SlowAgent``) publish views with a time-to-live to a ``ViewBoard``. ``Consensus`` weighs
the live views by each agent's ``TrackRecord`` (decayed Brier score per vol regime, shrunk
toward equal weight, using only outcomes resolved by the decision time) into a ``Decision`` with
its explanation; ``Swarm`` wires features, agents, board, record and consensus for one
underlying and keeps an equal-weight baseline beside it.
"""

from optionswarm.agents.calendar_agent import (
    NO_EVENT,
    CalendarAgent,
    CalendarConfig,
    calendar_flags,
)
from optionswarm.agents.consensus import VETOED, Consensus, ConsensusConfig, Weighting, size_factor
from optionswarm.agents.protocol import FastAgent, MarketState, SlowAgent, ViewBoard, ViewSink
from optionswarm.agents.quant import (
    MeanReversionAgent,
    MeanReversionConfig,
    SkewTermAgent,
    SkewTermConfig,
    TrendAgent,
    TrendConfig,
    VolRegimeAgent,
    VolRegimeConfig,
)
from optionswarm.agents.swarm import (
    BASELINE_ID,
    TRACK_ID,
    Swarm,
    SwarmConfig,
    SwarmOutput,
    default_fast_agents,
    vol_regime,
)
from optionswarm.agents.track import AgentScore, ResolvedOutcome, TrackRecord, TrackRecordConfig

__all__ = [
    "BASELINE_ID",
    "NO_EVENT",
    "TRACK_ID",
    "VETOED",
    "AgentScore",
    "CalendarAgent",
    "CalendarConfig",
    "Consensus",
    "ConsensusConfig",
    "FastAgent",
    "MarketState",
    "MeanReversionAgent",
    "MeanReversionConfig",
    "ResolvedOutcome",
    "SkewTermAgent",
    "SkewTermConfig",
    "SlowAgent",
    "Swarm",
    "SwarmConfig",
    "SwarmOutput",
    "TrackRecord",
    "TrackRecordConfig",
    "TrendAgent",
    "TrendConfig",
    "ViewBoard",
    "ViewSink",
    "VolRegimeAgent",
    "VolRegimeConfig",
    "Weighting",
    "calendar_flags",
    "default_fast_agents",
    "size_factor",
    "vol_regime",
]
