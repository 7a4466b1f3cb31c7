"""``RemoteTradingService``: the API's calls on ``TradingService``, sent to the trading role.

Each method sends a :class:`~optionswarm.cluster.service_rpc.ServiceCall` on ``cluster.service``
and decodes the reply into the type the in-process service returns, so ``create_app`` serves the
same routes with the same bodies from another process. A ``ServiceError`` raised in the trading
role is raised here as the same class (same status, code and message). When nobody answers (the
trading role is down, NATS is unreachable, the call timed out), :class:`TradingUnavailableError`:
HTTP 503, not 500.

Liveness (``health``) is this process's own; ``/metrics`` forwards the trading role's node
metrics (the api role keeps none of its own). A blocking call runs on the caller's thread: the
API's routes call it from the event loop, as they call the in-process service; the replay's
pause/resume run on a worker thread instead.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, TypeVar

import pydantic_core

from optionswarm._version import __version__
from optionswarm.bus import (
    BusClosedError,
    MessageBus,
    NoResponderError,
    RequestFailedError,
)
from optionswarm.cluster import service_rpc as rpc
from optionswarm.config import Settings
from optionswarm.service import views as v
from optionswarm.service.errors import InvalidRequestError, ServiceError
from optionswarm.service.ports import Actor

__all__ = ["RemoteTradingService", "TradingUnavailableError"]

T = TypeVar("T")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


class TradingUnavailableError(ServiceError):
    """The trading role did not answer (down, unreachable or too slow): try again later."""

    status = 503


def _transport_errors() -> tuple[type[Exception], ...]:
    """What a broken connection raises: OS errors, and nats-py's own when it is installed."""
    try:
        import nats.errors  # noqa: PLC0415 -- the NATS client is an optional extra
    except ImportError:  # pragma: no cover - installed wherever the api role runs
        return (ConnectionError, OSError)
    return (ConnectionError, OSError, nats.errors.Error)


_TRANSPORT_ERRORS = _transport_errors()


def _unavailable(error: Exception) -> TradingUnavailableError:
    return TradingUnavailableError("trading_unavailable", f"trading role unavailable: {error}")


class _Transport:
    """One call over the bus: encode, ask, decode or raise."""

    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus

    def __call__(self, method: rpc.Method[T], actor: Actor | None = None, **args: Any) -> T:
        call = rpc.ServiceCall(
            method=method.name,
            args=pydantic_core.to_json(args),
            actor=None
            if actor is None
            else rpc.CallActor(username=actor.username, role=actor.role),
        )
        try:
            reply = self.bus.request(rpc.SERVICE, call)
        except (NoResponderError, BusClosedError) as error:
            raise _unavailable(error) from None
        except RequestFailedError as error:
            if isinstance(error.__cause__, TimeoutError):  # the responder is there but stuck
                raise _unavailable(error) from None
            raise rpc.RemoteServiceError(str(error)) from error
        except _TRANSPORT_ERRORS as error:
            raise _unavailable(error) from None
        if reply.error is not None:
            rpc.raise_fault(reply.error)
        return method.decode(reply.value)


class RemoteAuditOps:
    """``service.audit_ops`` of the API, remote."""

    def __init__(self, call: _Transport) -> None:
        self._call = call

    def records(self, kind: str | None, after_seq: int, limit: int) -> v.AuditPage:
        """Records with ``seq > after_seq`` (optionally of one kind), oldest first."""
        return self._call(rpc.AUDIT_RECORDS, kind=kind, after_seq=after_seq, limit=limit)

    def verify(self) -> v.AuditVerify:
        """Recompute every hash, link and signed root (in the trading role)."""
        return self._call(rpc.AUDIT_VERIFY)

    def proof(self, seq: int) -> v.AuditProof:
        """An inclusion proof of record ``seq`` in a signed checkpoint."""
        return self._call(rpc.AUDIT_PROOF, seq=seq)


class RemoteJobs:
    """``service.jobs`` of the API, remote; a job's output is copied into ``cache_dir``."""

    def __init__(self, call: _Transport, cache_dir: Path) -> None:
        self._call = call
        self.cache_dir = cache_dir

    def all_jobs(self) -> list[v.Job]:
        """Every kept job, newest first."""
        return self._call(rpc.JOBS)

    def get(self, job_id: str) -> v.Job:
        """One job (``NotFoundError`` if unknown)."""
        return self._call(rpc.JOB, job_id=job_id)

    def output(self, job_id: str, name: str) -> Path:
        """A local copy of a finished job's ``result.json`` or ``report.html``."""
        if not _SAFE_ID.match(job_id):
            raise InvalidRequestError("invalid_job_id", f"{job_id!r} is not a job id")
        data = self._call(rpc.JOB_OUTPUT, job_id=job_id, name=name)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_dir / f"{job_id}-{name}"
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return path


class RemoteSettingsOps:
    """``service.settings_ops`` of the API, remote."""

    def __init__(self, call: _Transport) -> None:
        self._call = call

    def read(self) -> v.ConfigView:
        """The trading role's running settings (secrets redacted) and the staged changes."""
        return self._call(rpc.CONFIG)


class RemoteRuntime:
    """What the API reads of ``service.runtime``: the stream's hub."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub


class RemoteTradingService:
    """The API's ``TradingService`` in another process (see the module docstring).

    ``hub`` feeds ``/api/stream`` (a :class:`~optionswarm.cluster.stream_bridge.StreamBridge`);
    ``settings`` are this process's (``api.state_dir`` holds copies of backtest outputs).
    """

    def __init__(self, bus: MessageBus, settings: Settings, *, hub: Any = None) -> None:
        self.bus = bus
        self.settings = settings
        self._call = call = _Transport(bus)
        self.runtime = RemoteRuntime(hub)
        self.audit_ops = RemoteAuditOps(call)
        self.jobs = RemoteJobs(call, settings.api.state_dir / "api-role" / "backtests")
        self.settings_ops = RemoteSettingsOps(call)

    def close(self) -> None:
        """Nothing runs here (the trading role owns the jobs); kept for the service's shape."""

    # -- health and status -------------------------------------------------------------------
    @staticmethod
    def health() -> v.Health:
        """Liveness of this process."""
        return v.Health(version=__version__)

    def ready(self) -> v.Ready:
        """The trading role's readiness (503 while it does not answer)."""
        return self._call(rpc.READY)

    def metrics(self, accept: str | None = None) -> tuple[bytes, str]:
        """The trading role's node metrics and their content type."""
        return self._call(rpc.METRICS, accept=accept)

    def now_ns(self) -> int:
        """The node's clock."""
        return self._call(rpc.NOW_NS)

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        """Append one record to the node's audit log (logins, denials)."""
        self._call(rpc.RECORD, kind=kind, payload=payload)

    def status(self) -> v.Status:
        """The header line of the dashboard."""
        return self._call(rpc.STATUS)

    def replay_status(self) -> v.ReplayStatus | None:
        """Where the replay is (None without one)."""
        return self._call(rpc.REPLAY_STATUS)

    async def pause_replay(self, actor: Actor) -> v.ReplayStatus:
        """Pause the replay (audited)."""
        return await asyncio.to_thread(self._call, rpc.PAUSE_REPLAY, actor)

    async def resume_replay(self, actor: Actor) -> v.ReplayStatus:
        """Resume the replay (audited)."""
        return await asyncio.to_thread(self._call, rpc.RESUME_REPLAY, actor)

    # -- portfolio, orders, swarm, chain -----------------------------------------------------
    def portfolio(self) -> v.Portfolio:
        """Equity, P&L, Greeks against their limits, margin and the equity curve."""
        return self._call(rpc.PORTFOLIO)

    def book_key(self) -> tuple[int, int]:
        """Changes whenever positions, marks or the clock may have."""
        return self._call(rpc.BOOK_KEY)

    def positions(self) -> list[v.Position]:
        """Every open position with its mark and Greeks."""
        return self._call(rpc.POSITIONS)

    def structures(self) -> list[v.Structure]:
        """Open trades grouped as structures."""
        return self._call(rpc.STRUCTURES)

    def orders(self, state: str | None = None, limit: int = 100) -> list[v.Order]:
        """Orders, newest first, optionally of one state."""
        return self._call(rpc.ORDERS, state=state, limit=limit)

    def order(self, client_order_id: str) -> v.Order:
        """One order (``NotFoundError`` if none)."""
        return self._call(rpc.ORDER, client_order_id=client_order_id)

    def submit_order(self, request: v.SubmitOrder, actor: Actor) -> v.Order:
        """A manual order, through oversight and risk in the trading role (audited)."""
        return self._call(rpc.SUBMIT_ORDER, actor, request=request)

    def cancel_order(self, client_order_id: str, actor: Actor) -> v.Order:
        """Cancel a working order or one waiting for approval (audited)."""
        return self._call(rpc.CANCEL_ORDER, actor, client_order_id=client_order_id)

    def fills(self, limit: int = 100) -> list[v.Fill]:
        """The latest fills, newest first."""
        return self._call(rpc.FILLS, limit=limit)

    def agents(self) -> list[v.Agent]:
        """The swarm's agents with their latest views and track records."""
        return self._call(rpc.AGENTS)

    def decisions(self, limit: int = 50) -> list[v.DecisionView]:
        """The latest consensus decisions, newest first."""
        return self._call(rpc.DECISIONS, limit=limit)

    def chain(self, underlying: str | None = None) -> v.Chain:
        """The latest (modelled) chain of an underlying."""
        return self._call(rpc.CHAIN, underlying=underlying)

    # -- approvals and risk ------------------------------------------------------------------
    def approvals(self, status: str | None = None) -> list[v.Approval]:
        """Approval requests, newest first (optionally one status)."""
        return self._call(rpc.APPROVALS, status=status)

    def approval(self, request_id: str) -> v.Approval:
        """One approval request."""
        return self._call(rpc.APPROVAL, request_id=request_id)

    def decide(self, request_id: str, approve: bool, actor: Actor, comment: str) -> v.Approval:
        """Approve or reject (audited in the trading role)."""
        return self._call(
            rpc.DECIDE, actor, request_id=request_id, approve=approve, comment=comment
        )

    def risk_state(self) -> v.Risk:
        """Trading state, breakers, limits and usage."""
        return self._call(rpc.RISK_STATE)

    def kill(self, actor: Actor, reason: str) -> v.RiskAction:
        """The kill switch."""
        return self._call(rpc.KILL, actor, reason=reason)

    def release(self, actor: Actor) -> v.RiskAction:
        """Lift the trading state one step."""
        return self._call(rpc.RELEASE, actor)

    def trip_breaker(self, name: str, actor: Actor, reason: str) -> v.RiskAction:
        """Trip a breaker by hand."""
        return self._call(rpc.TRIP_BREAKER, actor, name=name, reason=reason)

    def reset_breaker(self, name: str, actor: Actor) -> v.RiskAction:
        """Reset a tripped breaker."""
        return self._call(rpc.RESET_BREAKER, actor, name=name)

    # -- audit, configuration, backtests -----------------------------------------------------
    def export_audit(self, actor: Actor) -> bytes:
        """A zip of the self-verifiable bundle and the public key (audited)."""
        return self._call(rpc.EXPORT_AUDIT, actor)

    def patch_config(self, changes: dict[str, Any], actor: Actor) -> v.ConfigPatchResult:
        """Validate and stage settings changes for the trading role's next start (audited)."""
        return self._call(rpc.PATCH_CONFIG, actor, changes=changes)

    def start_backtest(self, request: v.BacktestRequest, actor: Actor) -> v.Job:
        """Queue a backtest in the trading role (audited)."""
        return self._call(rpc.START_BACKTEST, actor, request=request)
