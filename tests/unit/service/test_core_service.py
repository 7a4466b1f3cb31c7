"""``TradingService`` called directly (as the CLI would): swarm views, no-oversight nodes,
settings staging, audit export and the job queue's limits."""

from __future__ import annotations

import asyncio
import io
import json
import zipfile
from pathlib import Path

import pytest

from optionswarm.api.testkit import SmallRuntime
from optionswarm.model.testkit import TS_NS
from optionswarm.risk.testkit import option_symbol, standard_chain
from optionswarm.service import views as v
from optionswarm.service.core import Actor, TradingService
from optionswarm.service.errors import BusyError, InvalidRequestError, NotFoundError
from optionswarm.service.jobs import BacktestJobs
from optionswarm.service.settings_ops import load_config_overrides

ADMIN = Actor("root", "admin")


def _started(runtime: SmallRuntime) -> None:
    runtime.hub.start()
    runtime.node.start()
    runtime.clock.advance_to(TS_NS)


def test_the_swarm_shows_its_agents_and_explained_decisions(tmp_path: Path) -> None:
    runtime = SmallRuntime(tmp_path, strategy="swarm")
    service = TradingService(runtime, jobs=BacktestJobs(tmp_path / "jobs", autostart=False))
    _started(runtime)
    for day in range(3):
        runtime.clock.advance_to(TS_NS + day * 86_400 * 10**9)
        runtime.publish_chain(standard_chain(spot=100.0 + day, ts_ns=runtime.clock.now_ns()))
    agents = service.agents()
    assert {a.agent_id for a in agents} >= {"trend", "calendar"}
    assert all(a.kind == "fast" for a in agents)
    assert any(a.latest is not None for a in agents)
    decisions = service.decisions(limit=2)
    assert len(decisions) == 2
    assert decisions[0].ts_ns > decisions[1].ts_ns
    assert decisions[0].explanation
    assert {c.agent_id for c in decisions[0].contributions} >= {"trend"}
    chain = service.chain("SPY")
    assert chain.spot == 102.0
    assert chain.rows[0].expiry == chain.expiries[0]
    with pytest.raises(NotFoundError):
        service.chain("QQQ")
    runtime.node.stop()


def test_a_node_without_oversight_or_replay_still_serves(tmp_path: Path) -> None:
    runtime = SmallRuntime(tmp_path, oversight=False)
    runtime.replay = None  # a node driven by something else
    service = TradingService(runtime, jobs=BacktestJobs(tmp_path / "jobs", autostart=False))
    _started(runtime)
    runtime.publish_chain(standard_chain(ts_ns=TS_NS))
    assert service.approvals() == []
    with pytest.raises(NotFoundError, match="no_oversight"):
        service.approval("apr-1")
    assert service.replay_status() is None
    with pytest.raises(NotFoundError, match="no_replay"):
        asyncio.run(service.pause_replay(ADMIN))
    order = v.SubmitOrder(
        underlying="SPY",
        legs=[v.LegRequest(symbol=option_symbol(standard_chain(), 100.0, call=True), side="buy")],
        quantity=1,
        limit_price=None,
    )
    placed = service.submit_order(order, Actor("t", "trader"))
    assert placed.state == "filled"  # no approval queue: straight through risk to the broker
    assert [f.client_order_id for f in service.fills()] == [placed.client_order_id]
    assert placed.avg_fill_price is not None
    assert service.status().pending_approvals == 0
    assert service.ready().ready is True
    runtime.node.stop()


def test_settings_changes_are_validated_staged_and_read_back(tmp_path: Path) -> None:
    runtime = SmallRuntime(tmp_path)
    service = TradingService(runtime, jobs=BacktestJobs(tmp_path / "jobs", autostart=False))
    view = service.settings_ops.read()
    assert view.settings["api"]["users_file"] is None
    result = service.patch_config({"risk.flatten_on_kill": True, "replay.speed": 5.0}, ADMIN)
    assert result.takes_effect == "restart"
    service.patch_config({"strategy.target_dte": 20}, ADMIN)
    staged = load_config_overrides(tmp_path)
    assert staged == {
        "risk": {"flatten_on_kill": True},
        "replay": {"speed": 5.0},
        "strategy": {"target_dte": 20},
    }
    for bad, code in (
        ({"mode.x": 1, "mode": "paper"}, "invalid_key"),
        ({"risk": {"a": 1}, "risk.flatten_on_kill": False}, "invalid_key"),
        ({"api.users_file": "/x"}, "locked_key"),
        ({"a b": 1}, "invalid_key"),
        ({"strategy.wing_delta": 0.9}, "invalid_settings"),
    ):
        with pytest.raises(InvalidRequestError) as refused:
            service.patch_config(bad, ADMIN)
        assert refused.value.code == code
    assert load_config_overrides(tmp_path)["strategy"] == {"target_dte": 20}
    kinds = [r.kind for r in service.audit_ops.records("config.changed", -1, 10).records]
    assert kinds == ["config.changed", "config.changed"]
    redacted = service.settings_ops.read().settings
    assert json.dumps(redacted)


def test_the_audit_export_is_a_zip_a_verifier_can_check(tmp_path: Path) -> None:
    runtime = SmallRuntime(tmp_path)
    service = TradingService(runtime, jobs=BacktestJobs(tmp_path / "jobs", autostart=False))
    with pytest.raises(NotFoundError):
        service.audit_ops.export_zip()
    service.record("test.event", {"n": 1})
    data = service.export_audit(ADMIN)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["bundle.jsonl", "public_key.hex"]
        key = archive.read("public_key.hex").decode().strip()
    assert key == runtime.audit.public_key.hex()
    assert service.audit_ops.verify().ok
    proof = service.audit_ops.proof(0)
    assert proof.verified
    kinds = [r.kind for r in service.audit_ops.records(None, -1, 10).records]
    assert kinds[:2] == ["test.event", "api.audit_export"]


def test_the_job_queue_is_bounded_and_closes_cleanly(tmp_path: Path) -> None:
    jobs = BacktestJobs(tmp_path, max_queued=2, keep=1, autostart=False)
    request = v.BacktestRequest.model_validate({"start": "2018-01-02", "end": "2018-02-01"})
    first = jobs.submit(request, "a")
    jobs.submit(request, "b")
    with pytest.raises(BusyError):
        jobs.submit(request, "c")
    assert [j.submitted_by for j in jobs.all_jobs()] == ["b", "a"]
    with pytest.raises(NotFoundError):
        jobs.get("bt-none")
    with pytest.raises(NotFoundError):
        jobs.output("bt-none", "result.json")
    jobs.close()
    assert {j.state for j in jobs.all_jobs()} == {"failed"}
    assert jobs.get(first.job_id).error == "the service stopped"
    with pytest.raises(BusyError, match="stopping"):
        jobs.submit(request, "d")


def test_a_jobs_progress_is_the_share_of_the_window_each_session_closes() -> None:
    from optionswarm.backtest.audit import in_memory_audit_log
    from optionswarm.service.jobs import _ProgressSink

    reported: list[float] = []
    sink = _ProgressSink(in_memory_audit_log(), reported.append, start_ns=0, end_ns=1_000)
    sink.append_many([("a", {"n": 1}, 250), ("b", {"n": 2}, 500)])
    sink.append_many([])
    sink.append_many([("c", {"n": 3}, 2_000)])
    assert reported == [0.5, 0.99]  # never 1.0 before the outputs are written
    assert len(sink.root()) == 32
