"""``RemoteReplay``: the trading role's view of the ingest role's replay.

Status comes from the sessions the trading role has played (no network call on a read); pause,
resume and speed are requests to the ingest role, whose answer updates the status.
"""

from __future__ import annotations

from collections.abc import Callable

from optionswarm.bus import MessageBus
from optionswarm.service.replay import ReplayState, ReplayStatus

from .protocol import REPLAY_CONTROL, ReplayCommand, SessionStep

__all__ = ["RemoteReplay"]


class RemoteReplay:
    """What ``NodeRuntime`` and the service core use of a replay, for a replay elsewhere."""

    def __init__(
        self, remote: MessageBus, *, underlying: str, speed: float, now_ns: Callable[[], int]
    ) -> None:
        self.remote = remote
        self.underlying = underlying
        self.speed = speed
        self.state = ReplayState.READY
        self.sessions_done = 0
        self.sessions_total = 0
        self._now_ns = now_ns

    def start(self, *, paused: bool = False) -> None:
        """Nothing to start here: the ingest role paces the replay (and starts it paused)."""
        if paused:
            self.state = ReplayState.PAUSED

    async def stop(self) -> None:
        """The ingest role stops on its own; this side only stops listening."""
        if self.state is not ReplayState.FINISHED:
            self.state = ReplayState.STOPPED

    async def wait(self) -> None:
        """Nothing to wait for in this process."""

    def note(self, step: SessionStep) -> None:
        """A session was played."""
        self.sessions_done = step.seq
        self.sessions_total = step.sessions_total
        self.speed = step.speed
        done = step.seq >= step.sessions_total
        if done:
            self.state = ReplayState.FINISHED
        elif self.state is not ReplayState.PAUSED:
            self.state = ReplayState.RUNNING

    def status(self) -> ReplayStatus:
        """Where the replay is, as far as this node has seen."""
        return ReplayStatus(
            state=self.state,
            underlying=self.underlying,
            speed=self.speed,
            ts_ns=self._now_ns(),
            sessions_done=self.sessions_done,
            sessions_total=self.sessions_total,
            modelled=True,
        )

    def pause(self) -> None:
        """Ask the ingest role to pause before its next session."""
        self._control(ReplayCommand(action="pause"))

    def resume(self) -> None:
        """Ask the ingest role to carry on."""
        self._control(ReplayCommand(action="resume"))

    def set_speed(self, speed: float) -> None:
        """Ask the ingest role for a new pace (sessions per second)."""
        self._control(ReplayCommand(action="speed", speed=speed))

    def _control(self, command: ReplayCommand) -> None:
        answer = self.remote.request(REPLAY_CONTROL, command)
        self.speed = answer.speed
        if answer.state is ReplayState.PAUSED:
            self.state = ReplayState.PAUSED
        elif answer.state in (ReplayState.RUNNING, ReplayState.HOLDING):
            self.state = ReplayState.RUNNING
