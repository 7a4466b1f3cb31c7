"""One role per process: ``optionswarm run --role ingest|agents|trading|api``.

Each role connects to NATS (``[bus]`` settings; its own durable consumer name) and runs until
SIGINT/SIGTERM. The trading role stops as the single-process run does (working orders cancelled
as configured, a signed audit checkpoint); the others just leave.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from typing import Literal

import structlog

from optionswarm.bus.nats import NatsBus, NatsBusConfig
from optionswarm.config import Settings

from .protocol import Pong, health_topic

__all__ = ["ROLES", "Role", "answer_health", "cluster_bus", "run_role"]

Role = Literal["ingest", "agents", "trading", "api"]
ROLES: tuple[Role, ...] = ("ingest", "agents", "trading", "api")

_log = structlog.get_logger("optionswarm.cluster")
_REQUEST_TIMEOUT_S = 20.0  # a new run's strategy warms up inside its first step


def cluster_bus(
    settings: Settings, role: str, *, request_timeout_s: float = _REQUEST_TIMEOUT_S
) -> NatsBus:
    """The role's connection to NATS (whatever ``bus.kind`` says: the roles meet there): the
    deployment's servers and prefix, the role's consumer name."""
    bus = settings.bus
    return NatsBus(
        NatsBusConfig(
            servers=bus.nats_servers,
            prefix=bus.prefix,
            consumer=role,
            replicas=bus.replicas,
            request_timeout_s=request_timeout_s,
        )
    )


def run_role(role: Role, settings: Settings) -> None:
    """Run one role in this process until a signal (see the module docstring)."""
    stop = threading.Event()
    _on_signals(stop.set)
    remote = cluster_bus(settings, role)
    try:
        if role == "trading":
            _run_trading(settings, remote, stop)
        elif role == "agents":
            _run_agents(settings, remote, stop)
        elif role == "ingest":
            asyncio.run(_run_ingest(settings, remote, stop))
        else:
            raise ValueError(f"role {role!r} is served by the API command")
    finally:
        remote.close()
        _log.info("role stopped", role=role)


def answer_health(remote: NatsBus, role: str, detail: Callable[[], dict[str, str]]) -> None:
    """Answer ``Ping`` on the role's health topic with ``detail()``."""
    remote.register_responder(
        health_topic(role), lambda _: Pong(role=role, pid=os.getpid(), detail=detail())
    )


def _on_signals(handler: Callable[[], None]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: handler())


def _run_trading(settings: Settings, remote: NatsBus, stop: threading.Event) -> None:
    from optionswarm.cluster.service_rpc import serve_service  # noqa: PLC0415
    from optionswarm.cluster.stream_bridge import StreamPublisher  # noqa: PLC0415
    from optionswarm.cluster.trading import TradingRole  # noqa: PLC0415
    from optionswarm.service.core import TradingService  # noqa: PLC0415

    role = TradingRole(settings, remote)
    service = TradingService(role.runtime)  # built before the start, as in the single process
    role.start()
    serve_service(remote, service, role.thread.call)  # the api role's service core
    stream = StreamPublisher(role.runtime.hub, remote, role.thread.call)
    stream.start()
    answer_health(remote, "trading", lambda: {"run": role.run, "sessions": str(role.seq)})
    _announce("trading", f"run dir {role.runtime.run_dir}")
    try:
        role.thread.run(stop)  # the node's own thread: this one
    finally:
        stream.stop()
        service.close()
        role.stop()


def _run_agents(settings: Settings, remote: NatsBus, stop: threading.Event) -> None:
    from optionswarm.cluster.agents import AgentsRole  # noqa: PLC0415

    role = AgentsRole(settings, remote)
    role.start()
    answer_health(remote, "agents", lambda: {"steps": str(role.steps)})
    _announce("agents", f"strategy {role.strategy.name}")
    stop.wait()
    role.stop()


async def _run_ingest(settings: Settings, remote: NatsBus, stop: threading.Event) -> None:
    from optionswarm.cluster.ingest import IngestRole  # noqa: PLC0415

    role = IngestRole(settings, remote)
    waiting = asyncio.ensure_future(asyncio.to_thread(stop.wait))
    starting = asyncio.ensure_future(role.start())
    await asyncio.wait({waiting, starting}, return_when=asyncio.FIRST_COMPLETED)
    if starting.done():
        answer_health(remote, "ingest", lambda: {"run": role.run, "state": _replay_state(role)})
        _announce("ingest", f"run {role.run}, {len(role.bars)} sessions")
        await waiting
    else:
        starting.cancel()
    await role.stop()


def _replay_state(role: object) -> str:
    driver = getattr(role, "driver", None)
    return "starting" if driver is None else str(driver.state.value)


def _announce(role: str, detail: str) -> None:
    import typer  # noqa: PLC0415

    typer.echo(f"optionswarm {role} role running ({detail})", err=True)
