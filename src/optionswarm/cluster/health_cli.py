"""``optionswarm health --role R``: exit 0 when the role answers (container health checks).

The NATS roles answer a ``Ping`` on their health topic; the api role answers ``GET /health``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from optionswarm.config import ConfigError, load_settings

__all__ = ["health_command"]


def _api_health(host: str, port: int, timeout: float) -> None:
    """GET /health with the standard library (the core install has no HTTP client)."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    url = f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        error.close()
        status = error.code
    except OSError as error:
        typer.echo(f"api: no answer from {url}: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"role": "api", "status": status}))
    raise typer.Exit(0 if status == 200 else 1)


def health_command(
    role: Annotated[str, typer.Option("--role", help="ingest, agents, trading or api.")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file (TOML).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 2.0,
) -> None:
    """Ask one role of the multi-process node whether it is up; print its answer as JSON."""
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if role == "api":
        _api_health(settings.api.host, settings.api.port, timeout)
    if role not in ("ingest", "agents", "trading"):
        typer.echo(f"error: unknown role {role!r}", err=True)
        raise typer.Exit(2)
    from optionswarm.bus import BusError  # noqa: PLC0415
    from optionswarm.bus.nats import NatsBus, NatsBusConfig  # noqa: PLC0415
    from optionswarm.cluster.protocol import Ping, health_topic  # noqa: PLC0415

    try:
        bus = NatsBus(
            NatsBusConfig(
                servers=settings.bus.nats_servers,
                prefix=settings.bus.prefix,
                consumer="health",
                request_timeout_s=timeout,
                connect_timeout_s=timeout,
            )
        )
    except BusError as error:
        typer.echo(f"{role}: NATS unreachable: {error}", err=True)
        raise typer.Exit(1) from None
    try:
        pong = bus.request(health_topic(role), Ping())
    except BusError as error:
        typer.echo(f"{role}: no answer: {error}", err=True)
        raise typer.Exit(1) from None
    finally:
        bus.close()
    typer.echo(json.dumps({"role": pong.role, "pid": pong.pid, **pong.detail}))
