"""What the roles say to each other over NATS, and in what order.

One session (``SessionStep``) travels ingest -> trading on a durable JetStream topic; the trading
role answers ``SessionDone`` (the barrier the ingest role waits at before the next session).
Inside a session the trading role plays every event on its own bus; where the single-process
node's strategy would run, it sends the event to the agents role (``AgentStep``, a request) with
the feedback the strategy has not seen yet (rejections, portfolio snapshots, in order). While the
agents role's strategy handles it, each order it places comes back as a ``Submission`` request,
which the trading role plays at once and answers with the feedback it caused — so a rejection
reaches the strategy before its ``publish`` returns, as on one in-process bus. Chains travel in
the bus's columnar wire format (``bytes``), the rest as MessagePack structs.
"""

from __future__ import annotations

from typing import Final

import msgspec

from optionswarm.bus import RequestTopic, Topic
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot, StrategyDecision
from optionswarm.model import Bar, Decision, OrderIntent
from optionswarm.service.replay import ReplayStatus

__all__ = [
    "AGENT_STEPS",
    "REPLAY_CONTROL",
    "SESSIONS_DONE",
    "SESSION_STEPS",
    "SUBMISSIONS",
    "TRADING_STATUS",
    "AgentReply",
    "AgentStep",
    "Feedback",
    "Ping",
    "Pong",
    "ReplayCommand",
    "SessionDone",
    "SessionEvent",
    "SessionStep",
    "StatusQuery",
    "Submission",
    "SubmissionReply",
    "TradingStatus",
    "health_topic",
]


class SessionEvent(msgspec.Struct, frozen=True, kw_only=True, array_like=True):
    """A bar or an encoded chain (the bus's columnar wire format): exactly one is set."""

    bar: Bar | None = None
    chain: bytes | None = None


class SessionStep(msgspec.Struct, frozen=True, kw_only=True):
    """One replayed session: its time and its events, in the single-process run's order."""

    run: str  # the trading role's run: a step of another run is dropped
    seq: int  # 1, 2, ... in replay order
    ts_ns: int
    events: tuple[SessionEvent, ...]
    sessions_total: int
    speed: float


class SessionDone(msgspec.Struct, frozen=True, kw_only=True):
    """The trading role finished session ``seq`` (``approvals_open``: a person must decide)."""

    run: str
    seq: int
    ts_ns: int
    approvals_open: bool


class Feedback(msgspec.Struct, frozen=True, kw_only=True):
    """One event the strategy subscribes to, from the trading role (exactly one field set)."""

    rejection: OrderRejected | None = None
    snapshot: PortfolioSnapshot | None = None


class AgentStep(msgspec.Struct, frozen=True, kw_only=True):
    """A market event for the strategy, after the feedback it has not seen yet.

    ``sequence``: how many orders the strategy has placed in this run (a restarted agents role
    carries on from it, so client order ids never repeat).
    """

    ts_ns: int
    run: str = ""  # the trading role's run: a new one starts the strategy afresh
    feedback: tuple[Feedback, ...] = ()
    bar: Bar | None = None
    chain: bytes | None = None
    sequence: int = 0


class AgentReply(msgspec.Struct, frozen=True, kw_only=True):
    """What the strategy concluded: its new consensus decisions, the agents' state (JSON),
    and any strategy decision published after its last order (``trailing``)."""

    decisions: tuple[Decision, ...] = ()
    trailing: tuple[StrategyDecision, ...] = ()
    agents_json: bytes = b"[]"
    sequence: int = 0


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """An order the strategy placed, with the decisions published before it and the consensus
    decisions the strategy made since its last message (oversight files the order with them)."""

    decisions: tuple[StrategyDecision, ...]
    intent: OrderIntent
    consensus: tuple[Decision, ...] = ()


class SubmissionReply(msgspec.Struct, frozen=True, kw_only=True):
    """The feedback the order caused (e.g. its rejection), in order."""

    feedback: tuple[Feedback, ...] = ()


class StatusQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Ask the trading role where it is."""


class TradingStatus(msgspec.Struct, frozen=True, kw_only=True):
    """The trading role's progress: its run, the last session it finished, open approvals, the
    audit log's size, and how often the agents role could not be reached."""

    run: str
    run_dir: str
    seq: int
    ts_ns: int
    approvals_open: bool
    audit_records: int
    agent_failures: int
    agent_steps: int  # events the agents role answered
    sessions_played: int  # == seq unless a session was played twice (it never is)


class ReplayCommand(msgspec.Struct, frozen=True, kw_only=True):
    """Control the ingest role's replay: ``status``, ``pause``, ``resume`` or ``speed``."""

    action: str
    speed: float | None = None


class Ping(msgspec.Struct, frozen=True, kw_only=True):
    """Is a role there?"""


class Pong(msgspec.Struct, frozen=True, kw_only=True):
    """A role's answer: who, which process, and a few words on its state."""

    role: str
    pid: int
    detail: dict[str, str] = {}


def health_topic(role: str) -> RequestTopic[Ping, Pong]:
    """Where a role answers ``Ping`` (``optionswarm health --role``, ``doctor``)."""
    return RequestTopic(f"cluster.health.{role}", Ping, Pong)


SESSION_STEPS: Final = Topic("replay.sessions", SessionStep)
SESSIONS_DONE: Final = Topic("cluster.sessions-done", SessionDone)
AGENT_STEPS: Final = RequestTopic("cluster.agents.step", AgentStep, AgentReply)
SUBMISSIONS: Final = RequestTopic("cluster.orders.submit", Submission, SubmissionReply)
TRADING_STATUS: Final = RequestTopic("cluster.trading.status", StatusQuery, TradingStatus)
REPLAY_CONTROL: Final = RequestTopic("cluster.replay.control", ReplayCommand, ReplayStatus)
