"""SIGKILL mid-stream, restart, and nothing acknowledged is lost or duplicated.

A real child process (``crash_driver.py``: order manager + paper broker + risk engine + SQLite
store) prints an ``ACK`` after each commit. The test kills it with SIGKILL twice at points in the
stream (once before and once after a breaker trip), restarts it each time, lets the last run
finish, then reads the store and compares with every acknowledgement.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.execution import ExecutionStore, OrderState

DRIVER = Path(__file__).with_name("crash_driver.py")
ORDERS, TRIP_AT = 60, 30


class _Run:
    def __init__(self, lines: list[str], killed: bool) -> None:
        self.lines = lines
        self.killed = killed

    def words(self, first: str) -> list[list[str]]:
        return [line.split() for line in self.lines if line.startswith(first + " ")]


def _run(url: str, kill_after_acks: int | None) -> _Run:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    args = [sys.executable, str(DRIVER), url, "crash_", str(ORDERS), str(TRIP_AT)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    lines: list[str] = []
    acks = 0
    for raw in child.stdout:
        line = raw.strip()
        if line.split(" ", 1)[0] not in ("ACK", "SKIP", "START", "DONE"):
            continue  # structured log lines
        lines.append(line)
        acks += line.startswith("ACK ")
        if kill_after_acks is not None and acks >= kill_after_acks:
            child.send_signal(signal.SIGKILL)
            break
    child.stdout.close()
    code = child.wait(timeout=60)
    return _Run(lines, killed=code == -signal.SIGKILL)


@pytest.mark.slow
def test_sigkill_mid_stream_loses_and_duplicates_nothing_acknowledged(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'exec.db'}"
    first = _run(url, kill_after_acks=40)  # mid-stream, before the breaker trips
    second = _run(url, kill_after_acks=60)  # after the breaker trip
    last = _run(url, kill_after_acks=None)
    assert first.killed
    assert second.killed
    assert not last.killed
    runs = (first, second, last)

    store = ExecutionStore(sa.create_engine(url), prefix="crash_")
    orders = store.load_orders()
    fills = store.load_fills()

    # every acknowledged order is stored, in (at least) the state acknowledged
    acked_orders = {w[2]: w[3] for run in runs for w in run.words("ACK") if w[1] == "order"}
    assert set(acked_orders) <= set(orders)
    for cid, state in acked_orders.items():
        assert orders[cid].state.value == state
    # each order was submitted once: a restart skips every order it already holds
    assert sorted(orders) == [f"c-{i:04d}" for i in range(ORDERS)]
    for earlier, later in ((first, second), (second, last)):
        skipped = {w[2] for w in later.words("SKIP")}
        assert {w[2] for w in earlier.words("ACK") if w[1] == "order"} <= skipped

    # every acknowledged fill is stored exactly once; no package is booked one leg alone
    acked_fills = [w[2] for run in runs for w in run.words("ACK") if w[1] == "fill"]
    stored_ids = Counter(f.fill_id for f in fills)
    assert all(count == 1 for count in stored_ids.values())
    assert set(acked_fills) <= set(stored_ids)
    assert len(acked_fills) == len(set(acked_fills))
    for cid, record in orders.items():
        legs: Counter[str] = Counter()
        for fill in fills:
            if fill.client_order_id == cid:
                legs[fill.symbol] += fill.quantity
        for leg in record.intent.legs:
            assert legs[leg.symbol] == record.filled_quantity * leg.ratio
        if record.state is OrderState.FILLED:
            assert record.filled_quantity == record.intent.quantity

    # positions are the sum of the stored fills
    expected: Counter[str] = Counter()
    for fill in fills:
        expected[fill.symbol] += fill.signed_quantity
    stored = {s: p.quantity for s, p in store.load_positions().items()}
    assert stored == {s: q for s, q in expected.items() if q != 0}

    # the breaker trip survived: the restarted engine is halted and denies what follows
    assert any(w[1] == "breaker" for run in runs for w in run.words("ACK"))
    assert last.words("START")[0][2:] == ["halted", "broker_errors"]
    assert last.words("DONE")[0][1] == "halted"
    assert set(store.load_breakers()) == {"broker_errors"}
    after_trip = [orders[f"c-{i:04d}"].state for i in range(TRIP_AT, ORDERS)]
    assert set(after_trip) == {OrderState.DENIED}
