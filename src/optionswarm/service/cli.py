"""``optionswarm run``: the node, the API and the dashboard in one process, until Ctrl-C.

Paper mode on a paced replay of real S&P 500 data with MODELLED chains (see
:mod:`optionswarm.service.runtime`); the API listens on loopback (``[api] host/port``). SIGINT
and SIGTERM stop it cleanly: the session in progress finishes, working orders are cancelled (or
kept, per ``[replay] cancel_working_on_stop``) and a signed audit checkpoint is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from optionswarm.config import ConfigError, Settings, StrategyName, load_settings

__all__ = ["build_run_settings", "run_command"]


def build_run_settings(
    config: Path | None,
    *,
    host: str | None = None,
    port: int | None = None,
    speed: float | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    strategy: StrategyName | None = None,
    state_dir: Path | None = None,
    paused: bool = False,
) -> Settings:
    """Settings for a paper run: the file and environment, changes staged through the API
    (``PATCH /api/config``, applied at this start), then the command line's options."""
    api: dict[str, Any] = {
        k: v for k, v in (("host", host), ("port", port), ("state_dir", state_dir)) if v is not None
    }
    replay: dict[str, Any] = {
        k: v for k, v in (("speed", speed), ("start", start), ("end", end)) if v is not None
    }
    if paused:
        replay["start_paused"] = True
    from optionswarm.service.settings_ops import load_config_overrides  # noqa: PLC0415

    base = load_settings(config, **({"api": api} if api else {}))
    overrides = load_config_overrides(base.api.state_dir)
    overrides["mode"] = "paper"
    for section, values in (("api", api), ("replay", replay)):
        if values:
            overrides[section] = {**overrides.get(section, {}), **values}
    if strategy is None and not _names_a_strategy(base, overrides):
        strategy = "swarm"  # what `optionswarm run` shows unless the settings choose
    if strategy is not None:
        overrides["strategy"] = {**overrides.get("strategy", {}), "name": strategy}
    return load_settings(config, **overrides)


def _names_a_strategy(base: Settings, overrides: dict[str, Any]) -> bool:
    """True when the settings file, the environment or a staged change chose the strategy."""
    return "name" in base.strategy.model_fields_set or "name" in overrides.get("strategy", {})


async def serve(settings: Settings) -> None:
    """Run the node and the API on this event loop until a signal stops the server."""
    from optionswarm.api.app import create_app  # noqa: PLC0415
    from optionswarm.api.auth import ensure_bootstrap  # noqa: PLC0415
    from optionswarm.service.core import TradingService  # noqa: PLC0415
    from optionswarm.service.runtime import NodeRuntime  # noqa: PLC0415

    password = ensure_bootstrap(settings.api)
    if password is not None:  # printed once to the terminal, never logged
        typer.echo(f"created user 'admin' with password: {password}", err=True)
    runtime = NodeRuntime(settings)
    service = TradingService(runtime)
    app = create_app(service, settings.api)
    server = _server(app, settings)
    await runtime.start()
    try:
        typer.echo(
            f"optionswarm running: http://{settings.api.host}:{settings.api.port}/ "
            f"(paper, replay {settings.replay.start}..{settings.replay.end}, modelled chains; "
            f"run dir {runtime.run_dir})",
            err=True,
        )
        await server.serve()
    finally:
        await runtime.stop()
        service.close()  # a backtest job still running is stopped


def _server(app: Any, settings: Settings) -> Any:
    """uvicorn on ``[api] host/port`` that lets the caller stop the node cleanly on a signal."""
    import uvicorn  # noqa: PLC0415

    config = uvicorn.Config(
        app,
        host=settings.api.host,
        port=settings.api.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return _graceful_server_class()(config)


def _graceful_server_class() -> type[Any]:
    import uvicorn  # noqa: PLC0415

    class GracefulServer(uvicorn.Server):
        """uvicorn re-raises a caught SIGINT/SIGTERM once it has stopped serving, which would
        kill the process before the runtime's clean stop; this server only stops serving."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    return GracefulServer


def run_command(  # noqa: PLR0917  # typer maps each option to a parameter
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file (TOML).")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Bind address (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="API port (default 8000).")] = None,
    speed: Annotated[
        float | None, typer.Option(help="Replay pace in trading sessions per second.")
    ] = None,
    start: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First replayed day.")
    ] = None,
    end: Annotated[
        dt.datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last replayed day.")
    ] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="Strategy: swarm, swarm-equal, short-put-spread, ... (default: the settings "
            "file's [strategy] name, else swarm)."
        ),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(help="Where runs keep their stores (default var/state).")
    ] = None,
    paused: Annotated[bool, typer.Option(help="Start with the replay paused.")] = False,
    role: Annotated[
        str | None,
        typer.Option(
            help="Run one part of the multi-process node (ingest, agents, trading, api), "
            "joined to the others by NATS ([bus] settings). Default: everything in one process."
        ),
    ] = None,
) -> None:
    """Start the node (paper, replay with modelled chains), the API and the dashboard."""
    try:
        settings = build_run_settings(
            config,
            host=host,
            port=port,
            speed=speed,
            start=None if start is None else start.date(),
            end=None if end is None else end.date(),
            strategy=strategy,  # type: ignore[arg-type]  # validated by Settings
            state_dir=state_dir,
            paused=paused,
        )
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if role is not None and role != "api":
        _run_role(role, settings)
        return
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(serve(settings) if role is None else serve_api_role(settings))


def _run_role(role: str, settings: Settings) -> None:
    from optionswarm.cluster.roles import ROLES, run_role  # noqa: PLC0415

    if role not in ROLES:
        typer.echo(f"error: unknown role {role!r} (one of {', '.join(ROLES)})", err=True)
        raise typer.Exit(2)
    run_role(role, settings)


async def serve_api_role(settings: Settings) -> None:
    """The api role: the API and the dashboard over the trading role's service core."""
    from optionswarm.bus import BusError  # noqa: PLC0415
    from optionswarm.cluster.api_role import build_api_role  # noqa: PLC0415

    try:
        app, close = build_api_role(settings)
    except BusError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from None
    server = _server(app, settings)
    try:
        typer.echo(
            f"optionswarm api role: http://{settings.api.host}:{settings.api.port}/ "
            f"(the trading role's service core over NATS, prefix {settings.bus.prefix})",
            err=True,
        )
        await server.serve()
    finally:
        close()


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (as uvicorn uses it): lower latency for the API and the stream."""
    try:
        import uvloop  # noqa: PLC0415
    except ImportError:  # pragma: no cover - uvloop ships with uvicorn[standard]
        return None
    return uvloop.new_event_loop
