"""Service probes of ``optionswarm doctor``: PostgreSQL, Redis and NATS, each with its latency.

Each probe connects with a short timeout, makes one round trip and reports how long the round
trip took; a refused or timed-out connection is a FAIL with the fix. Passwords in URLs are
masked in every message.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any

from optionswarm.monitoring.doctor_checks import CheckResult, Status

__all__ = ["check_nats", "check_postgres", "check_redis", "mask_url"]

_SERVICES_FIX = "pip install -c constraints.txt -e '.[services]'"


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def _fail(name: str, url: str, error: BaseException, fix: str) -> CheckResult:
    return CheckResult(
        name=name,
        status=Status.FAIL,
        detail=f"{mask_url(url)}: {type(error).__name__}: {mask_url(str(error)).strip()[:200]}",
        fix=fix,
    )


def check_postgres(url: str, timeout_s: float = 2.0) -> CheckResult:
    """Connect to ``url`` (SQLAlchemy or libpq form) and run ``SELECT 1``."""
    name = "postgresql"
    try:
        import psycopg  # noqa: PLC0415 -- services extra
    except ImportError as error:
        return _fail(name, url, error, _SERVICES_FIX)
    dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", url)
    started = time.perf_counter()
    try:
        with psycopg.connect(dsn, connect_timeout=max(1, round(timeout_s))) as conn:
            connected = time.perf_counter()
            row = conn.execute("SELECT current_setting('server_version')").fetchone()
            version = row[0] if row else "?"
            conn.execute("SELECT 1").fetchone()
    except Exception as error:
        return _fail(
            name,
            url,
            error,
            "start PostgreSQL (systemctl start postgresql) or fix OPTIONSWARM_SQL_URL / --sql-url",
        )
    done = time.perf_counter()
    connect_ms = (connected - started) * 1e3
    return CheckResult(
        name=name,
        status=Status.OK,
        detail=f"{mask_url(url)}: PostgreSQL {version}, connect {connect_ms:.1f} ms",
        latency_ms=(done - connected) * 1e3,
    )


def check_redis(url: str, timeout_s: float = 2.0) -> CheckResult:
    """Connect to ``url`` and ``PING``."""
    name = "redis"
    try:
        import redis  # noqa: PLC0415 -- services extra
    except ImportError as error:
        return _fail(name, url, error, _SERVICES_FIX)
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=timeout_s)
    try:
        started = time.perf_counter()
        client.ping()
        connected = time.perf_counter()
        client.ping()
        done = time.perf_counter()
        version = client.info("server").get("redis_version", "?")
    except Exception as error:
        return _fail(
            name,
            url,
            error,
            "start Redis (systemctl start redis-server) or fix OPTIONSWARM_HOT_STORE_URL / "
            "--redis-url",
        )
    finally:
        client.close()
    return CheckResult(
        name=name,
        status=Status.OK,
        detail=f"{mask_url(url)}: Redis {version}, connect {(connected - started) * 1e3:.1f} ms",
        latency_ms=(done - connected) * 1e3,
    )


def check_nats(servers: Sequence[str], timeout_s: float = 2.0) -> CheckResult:
    """Connect to ``servers``, round-trip a flush and ask JetStream for the account info."""
    name = "nats"
    shown = ", ".join(mask_url(s) for s in servers)
    try:
        import nats  # noqa: PLC0415 -- services extra
    except ImportError as error:
        return _fail(name, shown, error, _SERVICES_FIX)
    try:
        connect_ms, rtt_ms, streams = asyncio.run(_probe_nats(nats, list(servers), timeout_s))
    except Exception as error:
        return _fail(
            name,
            shown,
            error,
            "start nats-server with JetStream (nats-server -js) or fix bus.nats_servers / --nats",
        )
    return CheckResult(
        name=name,
        status=Status.OK,
        detail=f"{shown}: JetStream ({streams} streams), connect {connect_ms:.1f} ms",
        latency_ms=rtt_ms,
    )


async def _probe_nats(nats: Any, servers: list[str], timeout_s: float) -> tuple[float, float, int]:
    errors: list[Exception] = []

    async def remember(error: Exception) -> None:  # reported by the raise below
        errors.append(error)

    started = time.perf_counter()
    try:  # nats-py retries a refused first connect on its own: bound it here
        nc = await asyncio.wait_for(
            nats.connect(
                servers,
                connect_timeout=timeout_s,
                allow_reconnect=False,
                max_reconnect_attempts=0,
                error_cb=remember,
            ),
            timeout=timeout_s,
        )
    except TimeoutError:
        if errors:
            raise errors[-1] from None
        raise TimeoutError(f"no answer within {timeout_s:g} s") from None
    try:
        connected = time.perf_counter()
        await nc.flush(timeout=timeout_s)
        flushed = time.perf_counter()
        info = await nc.jetstream(timeout=timeout_s).account_info()
        return (connected - started) * 1e3, (flushed - connected) * 1e3, int(info.streams)
    finally:
        await nc.close()
