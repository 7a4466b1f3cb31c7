"""NodeRuntime: a paper node on a paced replay of real S&P 500 bars with modelled chains."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest

from optionswarm.config import Settings
from optionswarm.engine.topics import CHAINS
from optionswarm.execution import OrderState
from optionswarm.model import ChainSnapshot, OrderIntent, OrderLeg, Side
from optionswarm.oversight import ApprovalStatus
from optionswarm.service import NodeRuntime, ReplayState
from optionswarm.service.core import TradingService

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# the strategy's own trades pass without a person; a manual order always needs one
_MANUAL_ONLY = {
    "max_loss_above": None,
    "notional_above": None,
    "first_trade_in_underlying": False,
    "confidence_below": None,
    "undefined_risk": False,
    "manual_quantity_above": 0,
}


def _settings(tmp_path: Path, oversight: dict[str, object], **replay: object) -> Settings:
    return Settings(
        mode="paper",
        portfolio={"initial_cash": 200_000.0},  # type: ignore[arg-type]
        oversight=oversight,  # type: ignore[arg-type]
        strategy={"name": "short-put-spread"},  # type: ignore[arg-type]
        replay={"start": dt.date(2018, 1, 2), "end": dt.date(2018, 2, 28), **replay},  # type: ignore[arg-type]
        api={"state_dir": tmp_path},  # type: ignore[arg-type]
    )


async def _until(predicate: object, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_run_replays_every_session_streams_it_and_checkpoints_the_audit_log(
    tmp_path: Path,
) -> None:
    runtime = NodeRuntime(_settings(tmp_path, {"mode": "approve_all"}, speed=2000.0))
    assert runtime.run_dir.parent == tmp_path / "runs"
    queue = runtime.hub.subscribe(maxsize=100_000)
    await runtime.start()
    assert set(runtime.components_state().values()) <= {"running", "ready", "finished"}
    await asyncio.wait_for(runtime.replay.wait(), 60)
    status = runtime.replay_status()
    assert status.state is ReplayState.FINISHED
    assert status.sessions_done == status.sessions_total == 40  # NYSE sessions Jan-Feb 2018
    assert status.modelled
    kinds: dict[str, int] = {}
    while not queue.empty():
        message = queue.get_nowait()
        kinds[message["type"]] = kinds.get(message["type"], 0) + 1
    assert kinds["quote"] == kinds["chain"] == kinds["replay"] == 40
    assert kinds["portfolio"] >= 40
    assert kinds.get("order", 0) > 0
    assert kinds.get("fill", 0) > 0
    records = runtime.audit.size
    assert records > 0
    chains_seen = runtime.metrics.registry.get_sample_value(
        "optionswarm_events_total", {"topic": CHAINS.name}
    )
    assert chains_seen == 40  # the node's metrics count what it processed
    await runtime.stop()
    checkpoint = runtime.audit.latest_checkpoint()
    assert checkpoint is not None
    assert checkpoint.size == runtime.audit.size >= records
    assert runtime.audit.verify().ok
    assert all(
        state == "stopped" for name, state in runtime.components_state().items() if name != "replay"
    )
    # a second run gets its own directory; the signing key is shared
    again = NodeRuntime(_settings(tmp_path, {}))
    assert again.run_dir != runtime.run_dir
    assert again.replay.hold_limit_s == 900.0  # a person gets the request's whole time-to-live
    assert again.audit.public_key == runtime.audit.public_key


def _cheap_call(chain: ChainSnapshot) -> tuple[str, float]:
    """An out-of-the-money call about a month out (the put-spread strategy never trades calls)
    and a limit a buyer who crosses the spread would pay."""
    days = (chain.expiry_ns - chain.ts_ns) / 86_400e9
    candidates = np.flatnonzero(
        chain.is_call
        & (days > 20)
        & (days < 50)
        & (chain.strike > 1.01 * chain.spot)
        & (chain.bid > 0)
    )
    assert candidates.size, "the modelled chain has month-out calls"
    i = int(candidates[np.argmin(chain.strike[candidates])])
    # the paper broker buys at the ask plus its slippage ($0.05): a marketable limit, on the tick
    limit = math.ceil((float(chain.ask[i]) + 0.05) / 0.10 - 1e-9) * 0.10
    return chain.occ_symbols()[i], round(limit, 2)


async def test_a_manual_order_waits_for_a_human_and_the_replay_holds_meanwhile(
    tmp_path: Path,
) -> None:
    runtime = NodeRuntime(_settings(tmp_path, _MANUAL_ONLY, speed=50.0, hold_for_approvals=True))
    chains: list[ChainSnapshot] = []
    runtime.node.bus.subscribe(CHAINS, chains.append)
    await runtime.start()
    await _until(lambda: runtime.replay.sessions_done >= 2)
    runtime.replay.pause()
    symbol, limit = _cheap_call(chains[-1])
    intent = OrderIntent(
        client_order_id="manual-1",
        underlying="SPX",
        legs=(OrderLeg(symbol=symbol, side=Side.BUY),),
        quantity=1,
        limit_price=limit,
        ts_ns=runtime.clock.now_ns(),
        source="manual",
        structure="long_call",
    )
    runtime.oversight.place_manual(intent, "trader-tom")
    record = runtime.node.order_manager.get("manual-1")
    assert record.state is OrderState.PENDING_APPROVAL  # manual orders need a person by default
    [request] = runtime.oversight.list_requests(ApprovalStatus.PENDING)
    held_at = runtime.replay.sessions_done
    runtime.replay.resume()
    await _until(lambda: runtime.replay.state is ReplayState.HOLDING)
    await asyncio.sleep(0.2)
    assert runtime.replay.sessions_done == held_at  # nothing moves while a person decides
    decided = runtime.oversight.approve(request.request_id, "approver-ann", "fine")
    assert decided.status is ApprovalStatus.APPROVED
    await _until(lambda: runtime.node.order_manager.get("manual-1").state is OrderState.FILLED)
    await _until(lambda: runtime.replay.sessions_done > held_at)  # decided: the replay moves on
    views = TradingService(runtime).positions()
    total = [sum(getattr(p, g) or 0.0 for p in views) for g in ("delta", "gamma", "vega", "theta")]
    book = runtime.node.risk.status().greeks  # the risk engine's dollar Greeks of the book
    assert total == pytest.approx(list(book), rel=1e-9, abs=1e-6)  # one unit everywhere
    [bought] = [p for p in views if p.symbol == symbol]
    assert bought.delta is not None
    assert 0 < bought.delta < bought.quantity * 100 * chains[-1].spot  # a call: delta$ in (0, S m)
    positions = runtime.node.portfolio.positions
    assert positions.get(symbol) is not None
    assert positions[symbol].quantity >= 1
    await runtime.stop()
