"""``optionswarm run --role api``: the FastAPI service and the dashboard in their own process.

The same ``create_app`` as the single-process run, over a :class:`RemoteTradingService` that
forwards every call to the trading role's ``TradingService`` on ``cluster.service``, and a
:class:`StreamBridge` that feeds ``/api/stream`` from the trading role's hub. Users and the token
secret come from ``[api]`` as in one process (the users file is created with an ``admin`` on
first start, its password printed once to the terminal).
"""

from __future__ import annotations

from collections.abc import Callable

import typer
from fastapi import FastAPI

from optionswarm.api.app import create_app
from optionswarm.api.auth import ensure_bootstrap
from optionswarm.bus import MessageBus
from optionswarm.bus.nats import NatsBus
from optionswarm.cluster.remote_service import RemoteTradingService
from optionswarm.cluster.roles import cluster_bus
from optionswarm.cluster.stream_bridge import StreamBridge
from optionswarm.config import Settings

__all__ = ["API_CONSUMER", "api_bus", "build_api_role"]

API_CONSUMER = "api"  # the api role's durable consumer names on the bus


def api_bus(settings: Settings, request_timeout_s: float = 10.0) -> NatsBus:
    """NATS (whatever ``bus.kind`` says: the roles meet there) with the ``api`` consumer; a
    call the trading role has not answered in ``request_timeout_s`` is a 503."""
    return cluster_bus(settings, API_CONSUMER, request_timeout_s=request_timeout_s)


def build_api_role(
    settings: Settings, *, bus: MessageBus | None = None
) -> tuple[FastAPI, Callable[[], None]]:
    """The api role's app and the function that closes what it opened, ``bus`` included
    (call it once the server has stopped). ``bus``: :func:`api_bus` unless given."""
    bus = bus or api_bus(settings)
    bridge = StreamBridge(bus)
    try:
        bridge.start()
        service = RemoteTradingService(bus, settings, hub=bridge)
        password = ensure_bootstrap(settings.api)
        if password is not None:  # printed once to the terminal, never logged
            typer.echo(f"created user 'admin' with password: {password}", err=True)
        app = create_app(service, settings.api)
    except BaseException:
        bus.close()
        raise

    def close() -> None:
        bridge.stop()
        service.close()
        bus.close()

    return app, close
