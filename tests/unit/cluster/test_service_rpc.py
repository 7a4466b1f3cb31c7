"""``cluster.service`` on the in-process bus: a real node's ``TradingService`` served, the api
role's ``RemoteTradingService`` asking; values, typed errors, the whitelist, unavailability."""

from __future__ import annotations

import asyncio
import math
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from optionswarm.api.testkit import SmallRuntime
from optionswarm.bus import InProcessBus
from optionswarm.cluster import service_rpc as rpc
from optionswarm.cluster.node_thread import NodeThread
from optionswarm.cluster.remote_service import RemoteTradingService, TradingUnavailableError
from optionswarm.config import Settings
from optionswarm.model.testkit import TS_NS
from optionswarm.risk.testkit import option_symbol, standard_chain
from optionswarm.service import errors
from optionswarm.service import views as v
from optionswarm.service.core import Actor, TradingService
from optionswarm.service.jobs import BacktestJobs

T = TypeVar("T")
TRADER, APPROVER, ADMIN = Actor("tina", "trader"), Actor("abe", "approver"), Actor("ada", "admin")


def _settings(state_dir: Path) -> Settings:
    return Settings.model_validate({"api": {"state_dir": str(state_dir)}})


def direct(fn: Callable[[], T]) -> T:
    """``run_on_node`` for a node driven on this very thread."""
    return fn()


class Pair:
    """A started node's service, served on an in-process bus, and its remote twin."""

    def __init__(self, tmp_path: Path) -> None:
        self.runtime = SmallRuntime(tmp_path / "state")
        self.runtime.replay = None  # no event loop here: the node is driven by the test
        self.service = TradingService(
            self.runtime, jobs=BacktestJobs(tmp_path / "jobs", autostart=False)
        )
        self.runtime.hub.start()
        self.runtime.node.start()
        self.runtime.clock.advance_to(TS_NS)
        self.runtime.publish_chain(standard_chain(ts_ns=TS_NS))
        self.bus = InProcessBus()
        rpc.serve_service(self.bus, self.service, direct)
        self.remote = RemoteTradingService(self.bus, self.runtime.settings)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    made = Pair(tmp_path)
    yield made
    made.runtime.node.stop()
    made.bus.close()


def _order(client_order_id: str, quantity: int) -> v.SubmitOrder:
    chain = standard_chain()
    return v.SubmitOrder(
        client_order_id=client_order_id,
        underlying="SPY",
        legs=[
            v.LegRequest(symbol=option_symbol(chain, 95.0, call=False), side="sell"),
            v.LegRequest(symbol=option_symbol(chain, 90.0, call=False), side="buy"),
        ],
        quantity=quantity,
        structure="vertical",
    )


def test_every_whitelisted_method_exists_on_the_service_with_typed_arguments(pair: Pair) -> None:
    for method in rpc.METHODS.values():
        bound = rpc._Bound(method, pair.service)
        assert callable(bound.call), method
    assert {"kill", "decide", "audit_ops.verify", "jobs.output", "record"} <= rpc.METHODS.keys()
    assert not {"close", "node", "runtime", "_act", "risk_ops.kill"} & rpc.METHODS.keys()


def test_remote_reads_equal_the_service_s_own(pair: Pair) -> None:
    service, remote = pair.service, pair.remote
    service.submit_order(_order("rpc-1", 2), TRADER)
    (request,) = service.approvals("pending")
    service.decide(request.request_id, True, APPROVER, "fine")
    pair.runtime.publish_chain()  # filled on the next market data
    service.submit_order(_order("rpc-2", 3), TRADER)
    reads: list[Callable[[TradingService | RemoteTradingService], Any]] = [
        lambda s: s.ready(),
        lambda s: s.now_ns(),
        lambda s: s.status(),
        lambda s: s.replay_status(),
        lambda s: s.portfolio(),
        lambda s: s.book_key(),
        lambda s: s.positions(),
        lambda s: s.structures(),
        lambda s: s.orders(),
        lambda s: s.orders("filled", 1),
        lambda s: s.order("rpc-1"),
        lambda s: s.fills(),
        lambda s: s.agents(),
        lambda s: s.decisions(),
        lambda s: s.chain("SPY"),
        lambda s: s.approvals(),
        lambda s: s.approval(request.request_id),
        lambda s: s.risk_state(),
        lambda s: s.audit_ops.records(None, -1, 1000),
        lambda s: s.audit_ops.verify(),
        lambda s: s.jobs.all_jobs(),
        lambda s: s.settings_ops.read(),
        lambda s: s.metrics("text/plain"),
    ]
    for read in reads:
        assert read(remote) == read(service)
    assert service.order("rpc-1").state == "filled"
    assert remote.health() == service.health()


def test_remote_actions_act_on_the_node_with_their_actor(pair: Pair) -> None:
    service, remote = pair.service, pair.remote
    placed = remote.submit_order(_order("act-1", 2), TRADER)
    assert placed.state == "pending_approval"
    (request,) = remote.approvals("pending")
    decided = remote.decide(request.request_id, True, APPROVER, "ok")
    assert decided.decided_by == "abe"
    assert remote.kill(ADMIN, "drill").risk.kill_engaged
    assert service.risk.status().kill_engaged
    assert remote.release(ADMIN).risk.trading_state == "reducing"
    tripped = remote.trip_breaker("latency", ADMIN, "drill")
    assert any(b.name == "latency" and b.tripped for b in tripped.risk.breakers)
    reset = remote.reset_breaker("latency", ADMIN)
    assert (reset.action, reset.actor) == ("breaker_reset", "ada")
    staged = remote.patch_config({"risk.flatten_on_kill": True}, ADMIN)
    assert staged.pending_changes == {"risk.flatten_on_kill": True}
    remote.record("test.remote", {"n": 1, "nested": {"a": [1, 2]}})
    exported = remote.export_audit(ADMIN)
    assert exported[:2] == b"PK"
    records = service.audit_ops.records(None, -1, 1000).records
    actors = {(r.kind, r.payload.get("actor")) for r in records}
    assert {("api.order_submitted", "tina"), ("api.kill", "ada"), ("config.changed", "ada")} <= (
        actors
    )
    assert any(r.kind == "test.remote" and r.payload["nested"] == {"a": [1, 2]} for r in records)


def test_service_errors_arrive_as_the_same_class_code_and_message(pair: Pair) -> None:
    remote = pair.remote
    with pytest.raises(errors.NotFoundError) as missing:
        remote.order("nope")
    assert (missing.value.status, missing.value.code) == (404, "order_not_found")
    assert missing.value.message == "no order 'nope'"
    with pytest.raises(errors.RefusedError) as refused:
        remote.release(ADMIN)
    assert refused.value.status == 409
    with pytest.raises(errors.InvalidRequestError) as invalid:
        remote.patch_config({"a b": 1}, ADMIN)
    assert (invalid.value.status, invalid.value.code) == (422, "invalid_key")
    with pytest.raises(errors.NotFoundError, match="no_replay"):
        asyncio.run(remote.pause_replay(TRADER))


def _ask(
    bus: InProcessBus, method: str, args: bytes = b"{}", actor: bool = False
) -> rpc.ServiceReply:
    call = rpc.ServiceCall(
        method=method,
        args=args,
        actor=rpc.CallActor(username="x", role="admin") if actor else None,
    )
    return bus.request(rpc.SERVICE, call)


def test_only_whitelisted_methods_with_valid_arguments_are_called(pair: Pair) -> None:
    for name in ("close", "runtime", "node.stop", "_act", "__class__", "risk_ops.kill"):
        reply = _ask(pair.bus, name)
        assert reply.error is not None
        assert (reply.error.kind, reply.error.code) == ("InvalidRequestError", "unknown_method")
    bad = (
        ("orders", b'{"limit": "many"}', False, "invalid_arguments"),
        ("orders", b'{"sneaky": 1}', False, "invalid_arguments"),
        ("orders", b"[1, 2]", False, "invalid_arguments"),
        ("kill", b'{"reason": "no actor"}', False, "no_actor"),
    )
    for method, args, actor, code in bad:
        reply = _ask(pair.bus, method, args, actor)
        assert reply.error is not None
        assert reply.error.code == code, method
    assert not pair.service.risk.status().kill_engaged
    good = _ask(pair.bus, "kill", b'{"reason": "drill"}', actor=True)
    assert good.error is None
    assert rpc.KILL.decode(good.value).risk.kill_engaged is True


def test_a_nan_the_api_prints_as_null_survives_the_trip(pair: Pair) -> None:
    odd = v.ReplayStatus(
        state="paused", speed=math.nan, ts_ns=1, sessions_done=0, sessions_total=1, underlying="X"
    )
    pair.service.replay_status = lambda: odd  # type: ignore[method-assign]
    remote = pair.remote.replay_status()
    assert remote is not None
    assert math.isnan(remote.speed)
    assert remote.model_dump_json() == odd.model_dump_json()  # "speed":null in both


def test_a_failure_that_is_not_a_service_error_is_an_internal_fault(pair: Pair) -> None:
    def broken(state: str | None = None, limit: int = 100) -> list[v.Order]:
        raise KeyError("lost")

    pair.service.orders = broken  # type: ignore[method-assign]
    with pytest.raises(rpc.RemoteServiceError, match="KeyError"):
        pair.remote.orders()
    fault = rpc.fault_of(ZeroDivisionError("x"))
    assert (fault.kind, fault.status) == ("internal", 500)


def test_a_service_error_class_this_side_lacks_keeps_its_status() -> None:
    fault = rpc.ServiceFault(kind="TeapotError", status=418, code="teapot", message="short")
    with pytest.raises(errors.ServiceError) as raised:
        rpc.raise_fault(fault)
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        418,
        "teapot",
        "short",
    )
    for cls in (errors.NotFoundError, errors.ForbiddenError, errors.BusyError):
        with pytest.raises(cls) as again:
            rpc.raise_fault(rpc.fault_of(cls("c", "m")))
        assert (again.value.code, again.value.message) == ("c", "m")


def test_coroutine_methods_finish_on_a_thread_with_or_without_a_running_loop(pair: Pair) -> None:
    replay = types.SimpleNamespace(paused=0)

    async def pause(actor: Actor) -> v.ReplayStatus:
        await asyncio.sleep(0)  # suspends: needs a loop of its own
        replay.paused += 1
        return v.ReplayStatus(
            state="paused", speed=1.0, ts_ns=1, sessions_done=0, sessions_total=1, underlying="X"
        )

    pair.service.pause_replay = pause  # type: ignore[method-assign]
    assert asyncio.run(pair.remote.pause_replay(TRADER)).state == "paused"  # asyncio.run there

    async def on_a_loop() -> rpc.ServiceReply:
        return _ask(pair.bus, "pause_replay", actor=True)  # the node's thread runs a loop

    reply = asyncio.run(on_a_loop())
    assert reply.error is not None
    assert reply.error.kind == "internal"
    assert "suspended" in reply.error.message
    assert replay.paused == 1


def test_a_job_s_output_travels_as_bytes_into_a_local_copy(tmp_path: Path) -> None:
    result = tmp_path / "job-1" / "result.json"
    result.parent.mkdir()
    result.write_bytes(b'{"ok": true}\x00\xff')

    def output(job_id: str, name: str) -> Path:
        if job_id != "job-1":
            raise errors.NotFoundError("job_not_found", job_id)
        return tmp_path / job_id / name

    fake = types.SimpleNamespace(jobs=types.SimpleNamespace(output=output))
    bus = InProcessBus()
    rpc.serve_service(bus, cast(TradingService, fake), direct)
    remote = RemoteTradingService(bus, _settings(tmp_path / "api"))
    copy = remote.jobs.output("job-1", "result.json")
    assert copy.read_bytes() == result.read_bytes()
    assert copy.is_relative_to(tmp_path / "api")
    with pytest.raises(errors.NotFoundError, match="output_missing"):
        remote.jobs.output("job-1", "report.html")
    with pytest.raises(errors.InvalidRequestError, match="invalid_output"):
        rpc._job_output(cast(TradingService, fake))("job-1", "../../etc/passwd")
    with pytest.raises(errors.InvalidRequestError, match="invalid_job_id"):
        remote.jobs.output("../x", "result.json")


def test_without_a_trading_role_every_call_is_unavailable_503(tmp_path: Path) -> None:
    bus = InProcessBus()
    remote = RemoteTradingService(bus, _settings(tmp_path))
    with pytest.raises(TradingUnavailableError) as down:
        remote.status()
    assert (down.value.status, down.value.code) == (503, "trading_unavailable")
    assert down.value.message.startswith("trading role unavailable")
    assert remote.health().version  # this process's liveness needs nobody
    bus.close()
    with pytest.raises(TradingUnavailableError):
        remote.record("auth.login", {"actor": "x"})


def test_on_the_trading_role_s_node_thread_calls_and_coroutines_run_there(pair: Pair) -> None:
    node = NodeThread()
    bus = InProcessBus()
    rpc.serve_service(bus, pair.service, node.call)
    remote = RemoteTradingService(bus, pair.runtime.settings)
    seen: list[int] = []

    async def pause(actor: Actor) -> v.ReplayStatus:
        seen.append(threading.get_ident())
        await asyncio.sleep(0)  # needs a loop: asyncio.run on the node thread, which has none
        return v.ReplayStatus(
            state="paused", speed=1.0, ts_ns=1, sessions_done=0, sessions_total=1, underlying="X"
        )

    pair.service.pause_replay = pause  # type: ignore[method-assign]
    stop = threading.Event()
    runner = threading.Thread(target=node.run, args=(stop,), name="node")
    runner.start()
    try:
        assert remote.status() == pair.service.status()
        assert asyncio.run(remote.pause_replay(TRADER)).state == "paused"
        assert seen == [runner.ident]
    finally:
        stop.set()
        node.wake()
        runner.join(5)
