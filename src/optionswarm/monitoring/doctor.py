"""``optionswarm doctor``: is this installation and configuration ready to run?

Checks Python and packages, the shipped data, the LLM model (required when the strategy is the
swarm or ``--llm``), writable stores, the API's port free, every configured service (PostgreSQL
from ``OPTIONSWARM_SQL_URL``/``--sql-url`` or ``[storage] url``, Redis from
``OPTIONSWARM_HOT_STORE_URL``/``--redis-url``, NATS when ``bus.kind`` is ``nats`` or ``--nats``
is given) with its latency, the clock and the dashboard build. With ``--roles`` it also asks each
role of the multi-process node whether it runs (``doctor_roles``: ingest, agents and trading over
NATS, api over HTTP): OK with its pid and state, or WARN "not running" with the command that
starts it — opt-in, since ``bus.kind = "nats"`` is also the single-process node's setting. Prints
a table (or ``--json``) with OK/WARN/FAIL and a fix for each problem; exits 1 when anything FAILs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import msgspec
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optionswarm.config import ConfigError, Settings, load_settings
from optionswarm.monitoring.doctor_checks import (
    CheckResult,
    Status,
    check_clock,
    check_dashboard,
    check_data,
    check_model,
    check_packages,
    check_port_free,
    check_python,
    check_writable,
)
from optionswarm.monitoring.doctor_roles import (
    check_api_role,
    check_nats_roles,
    roles_not_checked,
)
from optionswarm.monitoring.doctor_services import check_nats, check_postgres, check_redis

__all__ = ["DoctorOptions", "doctor_command", "run_doctor"]

_STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


class DoctorOptions(msgspec.Struct, frozen=True, kw_only=True):
    """What to check beyond the settings: service URLs, directories, the LLM, timeouts."""

    sql_url: str | None = None
    redis_url: str | None = None
    nats_servers: tuple[str, ...] = ()  # checked even when bus.kind is inprocess
    state_dir: Path | None = None  # None: the settings' api.state_dir
    data_dir: Path = Path("var/data")
    llm: bool | None = None  # None: required only when the strategy is the swarm
    timeout_s: float = 2.0
    roles: bool = False  # ask each role of the multi-process node whether it runs
    config: Path | None = None  # the settings file, named in the command that starts a role


def _not_configured(name: str, how: str) -> CheckResult:
    return CheckResult(name=name, status=Status.OK, detail=f"not configured ({how})")


def _service_checks(settings: Settings, options: DoctorOptions) -> list[CheckResult]:
    timeout = options.timeout_s
    sql_url = options.sql_url or settings.storage.url
    results = [
        check_postgres(sql_url, timeout)
        if sql_url
        else _not_configured("postgresql", "embedded SQLite; set [storage] url to use a server"),
        check_redis(options.redis_url, timeout)
        if options.redis_url
        else _not_configured("redis", "embedded store; set OPTIONSWARM_HOT_STORE_URL to use it"),
    ]
    servers = options.nats_servers or (
        settings.bus.nats_servers if settings.bus.kind == "nats" else ()
    )
    results.append(
        check_nats(servers, timeout)
        if servers
        else _not_configured("nats", "bus.kind is inprocess; bus.kind = nats to scale out")
    )
    if options.roles:
        results.extend(_role_checks(settings, options, nats=results[-1]))
    return results


def _role_checks(
    settings: Settings, options: DoctorOptions, *, nats: CheckResult
) -> list[CheckResult]:
    """The multi-process node's roles; not asked again when NATS already failed its check."""
    if nats.status is Status.FAIL:
        roles = roles_not_checked("NATS unreachable (see the nats check)")
    else:
        roles = check_nats_roles(
            options.nats_servers or settings.bus.nats_servers,
            settings.bus.prefix,
            config=options.config,
            timeout_s=options.timeout_s,
        )
    api = check_api_role(
        settings.api.host, settings.api.port, config=options.config, timeout_s=options.timeout_s
    )
    return [*roles, api]


def run_doctor(settings: Settings, options: DoctorOptions) -> list[CheckResult]:
    """Every check, in table order."""
    llm_required = (
        options.llm if options.llm is not None else settings.strategy.name.startswith("swarm")
    )
    results = [
        check_python(),
        check_packages(),
        CheckResult(
            name="settings",
            status=Status.OK,
            detail=f"mode {settings.mode}, strategy {settings.strategy.name}, "
            f"bus {settings.bus.kind}",
        ),
        check_data(settings.backtest.underlying),
        check_model(required=llm_required),
        check_writable("state dir", options.state_dir or settings.api.state_dir),
        check_writable("data dir", options.data_dir),
        check_port_free(settings.api.host, settings.api.port),
        *_service_checks(settings, options),
        check_clock(),
        check_dashboard(),
    ]
    return results


def render_table(results: Sequence[CheckResult], console: Console) -> None:
    """The results as a rich table: check, status, detail (with the round trip) and fix."""
    table = Table(title="optionswarm doctor", show_lines=False)
    for column in ("check", "status", "detail", "fix"):
        table.add_column(column, overflow="fold")
    for result in results:
        detail = result.detail
        if result.latency_ms is not None:
            detail += f"; round trip {result.latency_ms:.1f} ms"
        table.add_row(
            escape(result.name),
            f"[{_STYLE[result.status]}]{result.status.value}[/]",
            escape(detail),
            escape(result.fix),
        )
    console.print(table)


def _summary(results: Sequence[CheckResult]) -> dict[str, int]:
    return {status.value: sum(r.status is status for r in results) for status in Status}


def doctor_command(
    *,
    config: Annotated[Path | None, typer.Option(help="Settings TOML file.")] = None,
    sql_url: Annotated[
        str | None,
        typer.Option(envvar="OPTIONSWARM_SQL_URL", help="PostgreSQL URL to check."),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(envvar="OPTIONSWARM_HOT_STORE_URL", help="Redis URL to check."),
    ] = None,
    nats: Annotated[
        list[str] | None,
        typer.Option(help="NATS server to check (repeatable; default: bus.nats_servers)."),
    ] = None,
    state_dir: Annotated[
        Path | None, typer.Option(help="State directory (default: api.state_dir).")
    ] = None,
    data_dir: Annotated[
        Path, typer.Option(envvar="OPTIONSWARM_DATA_DIR", help="Data directory.")
    ] = Path("var/data"),
    llm: Annotated[
        bool | None,
        typer.Option("--llm/--no-llm", help="Require the LLM model (default: for swarm)."),
    ] = None,
    roles: Annotated[
        bool,
        typer.Option(
            "--roles",
            help="Also ask each role of the multi-process node (optionswarm run --role) "
            "whether it runs.",
        ),
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds per service probe.", min=0.1)] = 2.0,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """Check the installation and configuration; exit 1 when any check FAILs."""
    try:
        settings = load_settings(config)
    except ConfigError as error:
        results = [
            CheckResult(
                name="settings",
                status=Status.FAIL,
                detail=str(error),
                fix="fix the named keys in the TOML file or OPTIONSWARM_* variables",
            )
        ]
    else:
        options = DoctorOptions(
            sql_url=sql_url,
            redis_url=redis_url,
            nats_servers=tuple(nats or ()),
            state_dir=state_dir,
            data_dir=data_dir,
            llm=llm,
            timeout_s=timeout,
            roles=roles,
            config=config,
        )
        results = run_doctor(settings, options)
    failed = any(r.status is Status.FAIL for r in results)
    if json_out:
        document = {
            "ok": not failed,
            "summary": _summary(results),
            "checks": msgspec.to_builtins(list(results)),
        }
        typer.echo(json.dumps(document, indent=2))
    else:
        render_table(results, Console(width=int(os.environ.get("COLUMNS", "160"))))
        summary = _summary(results)
        typer.echo(", ".join(f"{count} {status}" for status, count in summary.items()))
    if failed:
        raise typer.Exit(code=1)
