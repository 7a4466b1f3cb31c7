"""The trading role's ``TradingService`` as a request topic: one service core, a second transport.

``cluster.service`` carries a :class:`ServiceCall` (a whitelisted method, its arguments as JSON,
the acting user) and answers a :class:`ServiceReply` (the value, or a typed fault).
:func:`serve_service` answers on the trading side; ``RemoteTradingService`` asks on the api side.

Only the methods in :data:`METHODS` can be called, each with the type its value decodes into on
both sides (views are pydantic models; a value travels as MessagePack of its plain Python form,
so bytes stay bytes, and a NaN that the API prints as ``null`` stays a NaN until then).
Arguments are validated against the service method's own annotations; ``actor`` is rebuilt from
the call. A ``ServiceError`` travels as a :class:`ServiceFault` and is raised again as the same
class with the same code and message (:func:`raise_fault`); anything else as an ``internal``
fault (:class:`RemoteServiceError`, HTTP 500).

Trust: the trading role acts for whichever actor a call names; the api role authenticated it.
Whoever may publish on the deployment's NATS subjects may act as any user, so NATS itself must
be access-controlled (accounts or users per role) wherever the network is shared.
"""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from pydantic import TypeAdapter, ValidationError

from optionswarm.bus import MessageBus, RequestTopic
from optionswarm.service import errors
from optionswarm.service import views as v
from optionswarm.service.core import TradingService
from optionswarm.service.ports import Actor

__all__ = [
    "METHODS",
    "SERVICE",
    "CallActor",
    "Method",
    "RemoteServiceError",
    "RunOnNode",
    "ServiceCall",
    "ServiceFault",
    "ServiceReply",
    "raise_fault",
    "serve_service",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class CallActor(msgspec.Struct, frozen=True, kw_only=True):
    """Who acts, as the api role authenticated them."""

    username: str
    role: str


class ServiceCall(msgspec.Struct, frozen=True, kw_only=True):
    """One call: a name from :data:`METHODS`, a JSON object of arguments, the actor if any."""

    method: str
    args: bytes = b"{}"
    actor: CallActor | None = None


class ServiceFault(msgspec.Struct, frozen=True, kw_only=True):
    """A failed call: the error class's name, its HTTP-ish status, code and sentence."""

    kind: str
    status: int
    code: str
    message: str


class ServiceReply(msgspec.Struct, frozen=True, kw_only=True):
    """The value (:meth:`Method.encode`), or the fault."""

    value: bytes = b"\xc0"  # None
    error: ServiceFault | None = None


SERVICE: RequestTopic[ServiceCall, ServiceReply] = RequestTopic(
    "cluster.service", ServiceCall, ServiceReply
)


class RemoteServiceError(RuntimeError):
    """The trading role failed with an error that is not a ``ServiceError`` (a bug: HTTP 500)."""


class RunOnNode(Protocol):
    """Runs a callable on the node's own thread and returns its result (or raises its error)."""

    def __call__(self, fn: Callable[[], T], /) -> T:
        """Run ``fn`` where the node runs."""
        ...


Resolver = Callable[[TradingService], Callable[..., Any]]
_MSGPACK = msgspec.msgpack.Encoder()


class Method(Generic[T_co]):
    """One whitelisted method: its dotted name on the service and the type of its value."""

    __slots__ = ("adapter", "name", "resolve")

    def __init__(
        self, name: str, adapter: TypeAdapter[T_co], resolve: Resolver | None = None
    ) -> None:
        self.name = name
        self.adapter = adapter
        self.resolve: Resolver = resolve or _attribute_path(name)

    def __repr__(self) -> str:
        return f"Method({self.name!r})"

    def encode(self, value: Any) -> bytes:
        """A value of this method on the wire."""
        return _MSGPACK.encode(self.adapter.dump_python(value))

    def decode(self, data: bytes) -> T_co:
        """The value back from :meth:`encode`'s bytes, validated as the method's type."""
        return self.adapter.validate_python(msgspec.msgpack.decode(data))


def _attribute_path(name: str) -> Resolver:
    parts = name.split(".")

    def resolve(service: TradingService) -> Callable[..., Any]:
        target: Any = service
        for part in parts:
            target = getattr(target, part)
        return typing.cast(Callable[..., Any], target)

    return resolve


_JOB_OUTPUTS = frozenset({"result.json", "report.html"})


def _job_output(service: TradingService) -> Callable[[str, str], bytes]:
    """``jobs.output`` answers the file's bytes: its path is on the trading role's disk."""

    def output(job_id: str, name: str) -> bytes:
        if name not in _JOB_OUTPUTS:
            raise errors.InvalidRequestError("invalid_output", f"no job output named {name!r}")
        path: Path = service.jobs.output(job_id, name)
        if not path.is_file():
            raise errors.NotFoundError("output_missing", f"job {job_id} has no {name}")
        return path.read_bytes()

    return output


_ONE_REPLAY: TypeAdapter[v.ReplayStatus | None] = TypeAdapter(v.ReplayStatus | None)
_NONE: TypeAdapter[None] = TypeAdapter(type(None))
_BYTES = TypeAdapter(bytes)
_METRICS = TypeAdapter(tuple[bytes, str])
_ACTION = TypeAdapter(v.RiskAction)
_ORDER = TypeAdapter(v.Order)
_APPROVAL = TypeAdapter(v.Approval)
_REPLAY = TypeAdapter(v.ReplayStatus)

# reads
NOW_NS = Method("now_ns", TypeAdapter(int))
READY = Method("ready", TypeAdapter(v.Ready))
METRICS = Method("metrics", _METRICS)
STATUS = Method("status", TypeAdapter(v.Status))
REPLAY_STATUS = Method("replay_status", _ONE_REPLAY)
PORTFOLIO = Method("portfolio", TypeAdapter(v.Portfolio))
BOOK_KEY = Method("book_key", TypeAdapter(tuple[int, int]))
POSITIONS = Method("positions", TypeAdapter(list[v.Position]))
STRUCTURES = Method("structures", TypeAdapter(list[v.Structure]))
ORDERS = Method("orders", TypeAdapter(list[v.Order]))
ORDER = Method("order", _ORDER)
FILLS = Method("fills", TypeAdapter(list[v.Fill]))
AGENTS = Method("agents", TypeAdapter(list[v.Agent]))
DECISIONS = Method("decisions", TypeAdapter(list[v.DecisionView]))
CHAIN = Method("chain", TypeAdapter(v.Chain))
APPROVALS = Method("approvals", TypeAdapter(list[v.Approval]))
APPROVAL = Method("approval", _APPROVAL)
RISK_STATE = Method("risk_state", TypeAdapter(v.Risk))
AUDIT_RECORDS = Method("audit_ops.records", TypeAdapter(v.AuditPage))
AUDIT_VERIFY = Method("audit_ops.verify", TypeAdapter(v.AuditVerify))
AUDIT_PROOF = Method("audit_ops.proof", TypeAdapter(v.AuditProof))
JOBS = Method("jobs.all_jobs", TypeAdapter(list[v.Job]))
JOB = Method("jobs.get", TypeAdapter(v.Job))
JOB_OUTPUT = Method("jobs.output", _BYTES, _job_output)
CONFIG = Method("settings_ops.read", TypeAdapter(v.ConfigView))
# actions (each audited by the service with its actor)
RECORD = Method("record", _NONE)
PAUSE_REPLAY = Method("pause_replay", _REPLAY)
RESUME_REPLAY = Method("resume_replay", _REPLAY)
SUBMIT_ORDER = Method("submit_order", _ORDER)
CANCEL_ORDER = Method("cancel_order", _ORDER)
DECIDE = Method("decide", _APPROVAL)
KILL = Method("kill", _ACTION)
RELEASE = Method("release", _ACTION)
TRIP_BREAKER = Method("trip_breaker", _ACTION)
RESET_BREAKER = Method("reset_breaker", _ACTION)
EXPORT_AUDIT = Method("export_audit", _BYTES)
PATCH_CONFIG = Method("patch_config", TypeAdapter(v.ConfigPatchResult))
START_BACKTEST = Method("start_backtest", TypeAdapter(v.Job))

METHODS: dict[str, Method[Any]] = {
    method.name: method
    for method in (
        NOW_NS, READY, METRICS, STATUS, REPLAY_STATUS, PORTFOLIO, BOOK_KEY, POSITIONS,
        STRUCTURES, ORDERS, ORDER, FILLS, AGENTS, DECISIONS, CHAIN, APPROVALS, APPROVAL,
        RISK_STATE, AUDIT_RECORDS, AUDIT_VERIFY, AUDIT_PROOF, JOBS, JOB, JOB_OUTPUT, CONFIG,
        RECORD, PAUSE_REPLAY, RESUME_REPLAY, SUBMIT_ORDER, CANCEL_ORDER, DECIDE, KILL, RELEASE,
        TRIP_BREAKER, RESET_BREAKER, EXPORT_AUDIT, PATCH_CONFIG, START_BACKTEST,
    )
}  # fmt: skip
"""Every method the api role may call, by name."""

# -- faults --------------------------------------------------------------------------------------
_ERRORS: dict[str, type[errors.ServiceError]] = {
    cls.__name__: cls
    for cls in (
        errors.ServiceError,
        errors.NotFoundError,
        errors.InvalidRequestError,
        errors.ForbiddenError,
        errors.RefusedError,
        errors.BusyError,
    )
}


def fault_of(error: Exception) -> ServiceFault:
    """The fault a reply carries for ``error``."""
    if isinstance(error, errors.ServiceError):
        return ServiceFault(
            kind=type(error).__name__, status=error.status, code=error.code, message=error.message
        )
    return ServiceFault(kind="internal", status=500, code="internal_error", message=repr(error))


def raise_fault(fault: ServiceFault) -> typing.NoReturn:
    """Raise the error a fault describes: the same ``ServiceError`` class, code and message."""
    cls = _ERRORS.get(fault.kind)
    if cls is not None:
        raise cls(fault.code, fault.message)
    if fault.kind == "internal":
        raise RemoteServiceError(f"the trading role failed: {fault.message}")
    error = errors.ServiceError(fault.code, fault.message)  # a subclass this side lacks
    error.status = fault.status
    raise error


# -- the trading side ----------------------------------------------------------------------------
class _Bound:
    """A method resolved on the served service, with an adapter per argument."""

    __slots__ = ("adapters", "call", "method", "takes_actor")

    def __init__(self, method: Method[Any], service: TradingService) -> None:
        self.method = method
        self.call = method.resolve(service)
        hints = typing.get_type_hints(self.call)
        hints.pop("return", None)
        self.takes_actor = hints.pop("actor", None) is Actor
        self.adapters: dict[str, TypeAdapter[Any]] = {
            name: TypeAdapter(hint) for name, hint in hints.items()
        }

    def arguments(self, call: ServiceCall) -> dict[str, Any]:
        """The call's arguments, validated (``InvalidRequestError`` when they do not fit)."""
        try:
            raw = msgspec.json.decode(call.args, type=dict[str, msgspec.Raw])
        except msgspec.DecodeError as exc:
            raise errors.InvalidRequestError("invalid_arguments", str(exc)) from None
        unknown = raw.keys() - self.adapters.keys()
        if unknown:
            names = ", ".join(sorted(unknown))
            raise errors.InvalidRequestError("invalid_arguments", f"unknown arguments: {names}")
        try:
            kwargs = {
                name: self.adapters[name].validate_json(bytes(value)) for name, value in raw.items()
            }
        except ValidationError as exc:
            raise errors.InvalidRequestError("invalid_arguments", str(exc)) from None
        if self.takes_actor:
            if call.actor is None:
                raise errors.InvalidRequestError("no_actor", f"{call.method} needs an actor")
            kwargs["actor"] = Actor(call.actor.username, call.actor.role)
        return kwargs

    def invoke(self, kwargs: dict[str, Any]) -> bytes:
        """Call the method (on the node's thread) and encode its value there."""
        value = self.call(**kwargs)
        if inspect.isawaitable(value):
            value = _settle(value)
        return self.method.encode(value)


def _settle(awaitable: Awaitable[T]) -> T:
    """A coroutine method's result: ``asyncio.run`` on a thread without a running loop; on a
    loop's own thread only a coroutine that finishes without suspending (e.g. ``pause_replay``)
    can be completed, stepped here."""

    async def wrapped() -> T:
        return await awaitable

    coroutine: Coroutine[Any, Any, T] = wrapped()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    try:
        coroutine.send(None)
    except StopIteration as done:
        return typing.cast(T, done.value)
    coroutine.close()
    raise RuntimeError("a service coroutine suspended on the node's running event loop")


def serve_service(bus: MessageBus, service: TradingService, run_on_node: RunOnNode) -> None:
    """Answer ``cluster.service`` on ``bus`` with ``service``; each call runs through
    ``run_on_node`` (the node is single-threaded), every failure is a typed fault reply."""
    bound: dict[str, _Bound] = {}

    def respond(call: ServiceCall) -> ServiceReply:
        try:
            method = METHODS.get(call.method)
            if method is None:
                raise errors.InvalidRequestError(
                    "unknown_method", f"{call.method!r} is not a service method"
                )
            target = bound.get(call.method) or bound.setdefault(
                call.method, _Bound(method, service)
            )
            kwargs = target.arguments(call)
            return ServiceReply(value=run_on_node(lambda: target.invoke(kwargs)))
        except Exception as error:  # every failure is an answer, never a lost request
            return ServiceReply(error=fault_of(error))

    bus.register_responder(SERVICE, respond)
