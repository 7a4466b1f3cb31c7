"""Role probes of ``optionswarm doctor --roles``: which roles of the multi-process node run?

The ingest, agents and trading roles answer a ``Ping`` on their NATS health topic
(``cluster.protocol.health_topic``, as ``optionswarm health --role`` asks); the api role answers
``GET /health`` on ``api.host:api.port``. A role that answers is OK with its pid and state; one
that does not is a WARN "not running" (never a FAIL: a node may run as one process, without
roles) with the command that starts it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from optionswarm.monitoring.doctor_checks import CheckResult, Status

__all__ = [
    "NATS_ROLES",
    "check_api_role",
    "check_nats_roles",
    "roles_not_checked",
    "start_command",
]

NATS_ROLES: tuple[str, ...] = ("ingest", "agents", "trading")  # the api role answers over HTTP
_SERVICES_FIX = "pip install -c constraints.txt -e '.[services]'"
_LOOPBACK = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # listening on all: ask here


def start_command(role: str, config: Path | None) -> str:
    """The command line that starts ``role`` with the settings file doctor was given."""
    return f"optionswarm run --role {role}" + (f" --config {config}" if config else "")


def _name(role: str) -> str:
    return f"role {role}"


def _not_running(role: str, detail: str, config: Path | None) -> CheckResult:
    return CheckResult(
        name=_name(role),
        status=Status.WARN,
        detail=f"not running ({detail})",
        fix=f"start it: {start_command(role, config)}",
    )


def check_nats_roles(
    servers: Sequence[str],
    prefix: str,
    *,
    config: Path | None = None,
    timeout_s: float = 1.0,
    roles: Sequence[str] = NATS_ROLES,
) -> list[CheckResult]:
    """Ask each of ``roles`` on NATS (``servers``, deployment ``prefix``) whether it runs."""
    try:
        from optionswarm.bus import BusError, NoResponderError  # noqa: PLC0415
        from optionswarm.bus.nats import NatsBus, NatsBusConfig  # noqa: PLC0415 -- services extra
        from optionswarm.cluster.protocol import Ping, health_topic  # noqa: PLC0415
    except ImportError as error:
        return [
            CheckResult(
                name=_name(role),
                status=Status.WARN,
                detail=f"not checked: {error}",
                fix=_SERVICES_FIX,
            )
            for role in roles
        ]
    try:
        bus = NatsBus(
            NatsBusConfig(
                servers=tuple(servers),
                prefix=prefix,
                consumer="doctor",
                request_timeout_s=timeout_s,
                connect_timeout_s=timeout_s,
                close_timeout_s=timeout_s,
            )
        )
    except BusError as error:
        return [_not_reachable(role, error) for role in roles]
    results = []
    try:
        for role in roles:
            subject = f"{prefix}_rpc.{health_topic(role).name}"
            started = time.perf_counter()
            try:
                pong = bus.request(health_topic(role), Ping())
            except NoResponderError:
                results.append(_not_running(role, f"nobody answers on {subject}", config))
                continue
            except BusError as error:
                results.append(_not_running(role, f"{subject}: {error}", config))
                continue
            state = ", ".join(f"{key} {value}" for key, value in sorted(pong.detail.items()))
            results.append(
                CheckResult(
                    name=_name(role),
                    status=Status.OK,
                    detail=f"pid {pong.pid}" + (f", {state}" if state else ""),
                    latency_ms=(time.perf_counter() - started) * 1e3,
                )
            )
    finally:
        bus.close()
    return results


def _not_reachable(role: str, error: BaseException) -> CheckResult:
    return CheckResult(
        name=_name(role),
        status=Status.WARN,
        detail=f"not checked: {error}",
        fix="start NATS first (see the nats check)",
    )


def roles_not_checked(reason: str, roles: Sequence[str] = NATS_ROLES) -> list[CheckResult]:
    """One WARN per role when NATS itself failed its check (no second wait for it)."""
    return [
        CheckResult(name=_name(role), status=Status.WARN, detail=f"not checked: {reason}")
        for role in roles
    ]


def check_api_role(
    host: str, port: int, *, config: Path | None = None, timeout_s: float = 1.0
) -> CheckResult:
    """``GET /health`` on the api role (``host`` 0.0.0.0 is asked on loopback)."""
    address = _LOOPBACK.get(host, host)
    url = f"http://{f'[{address}]' if ':' in address else address}:{port}/health"
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = response.read(4096)
    except urllib.error.HTTPError as error:
        error.close()
        return _not_running("api", f"{url} answers HTTP {error.code}", config)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return _not_running("api", f"no answer from {url}: {reason}", config)
    elapsed = (time.perf_counter() - started) * 1e3
    return CheckResult(
        name=_name("api"), status=Status.OK, detail=f"{url}: {_summary(body)}", latency_ms=elapsed
    )


def _summary(body: bytes) -> str:
    try:
        document = json.loads(body)
    except ValueError:
        return "HTTP 200"
    if not isinstance(document, dict):
        return "HTTP 200"
    return "HTTP 200, " + ", ".join(f"{key} {value}" for key, value in document.items())[:200]
