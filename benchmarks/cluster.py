"""The multi-process node beside the single-process run, same replay, same run: JSON figures.

* single process: ``NodeRuntime`` replaying ``--start..--end`` as fast as it can (the replay
  driver's fastest pace, 10,000 sessions/s): sessions/s and the time per session; its stores on
  the same PostgreSQL as the roles' (so the ratio is the cost of the processes and NATS alone).
* multi-process: the trading, agents and ingest roles as real processes on NATS (loopback) with
  state on PostgreSQL, the same replay, same settings: sessions/s from the first finished session
  to the last, and the time per session (gap between consecutive ``SessionDone`` messages, which
  includes the barrier round trip and the agents conversation), p50/p99.
* ``ratio``: multi-process sessions/s over single-process sessions/s.

The swarm strategy (``--warmup`` sessions of warm-up) with MODELLED chains; approvals by the
``approve_under_max_loss`` stand-in. The machine is shared: the load average is printed beside.

    .venv/bin/python benchmarks/cluster.py [--start 2018-01-02 --end 2018-06-29]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from optionswarm.bus.nats import NatsBus, NatsBusConfig
from optionswarm.cluster.protocol import SESSIONS_DONE, SessionDone
from optionswarm.config import load_settings
from optionswarm.service import NodeRuntime
from optionswarm.service.runtime import run_table_prefix
from optionswarm.storage import migrations
from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, create_sql_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def config_text(args: argparse.Namespace, state_dir: Path, prefix: str, storage: bool) -> str:
    storage_section = f'[storage]\nurl = "{PG_URL}"\n' if storage else ""
    return f"""mode = "paper"
[strategy]
name = "swarm"
warmup_sessions = {args.warmup}
[oversight]
mode = "approve_under_max_loss"
[replay]
start = {args.start}
end = {args.end}
speed = 10000.0
hold_for_approvals = false
[api]
state_dir = "{state_dir}"
[bus]
prefix = "{prefix}"
{storage_section}"""


def percentiles(gaps_s: list[float]) -> dict[str, float]:
    values = np.asarray(gaps_s) * 1e3
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2),
    }


async def single_process(config: Path) -> dict[str, Any]:
    runtime = NodeRuntime(load_settings(config))
    stamps: list[float] = []
    after = runtime.after_session

    def timed(ts_ns: int) -> None:
        after(ts_ns)
        stamps.append(time.perf_counter())

    runtime.replay._after_session = timed
    await runtime.start()
    await runtime.replay.wait()
    await runtime.stop()
    gaps = list(np.diff(stamps))
    return {
        "sessions": len(stamps),
        "sessions_per_s": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 1),
        **percentiles(gaps),
    }


def multi_process(config: Path, prefix: str, sessions: int) -> dict[str, Any]:
    client = NatsBus(NatsBusConfig(prefix=prefix, consumer="bench"))
    stamps: list[float] = []
    done = threading.Event()

    def on_done(message: SessionDone) -> None:
        stamps.append(time.perf_counter())
        if message.seq >= sessions:
            done.set()

    client.subscribe(SESSIONS_DONE, on_done)
    script = shutil.which("optionswarm") or str(Path(sys.executable).parent / "optionswarm")
    procs = [
        subprocess.Popen(
            [script, "run", "--role", role, "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for role in ("trading", "agents", "ingest")
    ]
    try:
        if not done.wait(600):
            raise RuntimeError(f"only {len(stamps)} of {sessions} sessions finished")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(60)
        client.close()
    gaps = list(np.diff(stamps))
    return {
        "sessions": len(stamps),
        "sessions_per_s": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 1),
        **percentiles(gaps),
    }


def drop_run_tables(root: Path) -> None:
    """Both runs' tables off the shared PostgreSQL."""
    engine = create_sql_engine(SqlConfig(url=PG_URL))
    for run_dir in root.glob("*/runs/*"):
        prefixes = TablePrefixes.with_prefix(run_table_prefix(run_dir))
        migrations.downgrade(engine, "base", prefixes=prefixes)
        with engine.begin() as conn:  # Alembic keeps its (empty) version table
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {prefixes.version_table}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--start", default="2018-01-02")
    parser.add_argument("--end", default="2018-06-29")
    parser.add_argument("--warmup", type=int, default=120)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="osw-bench-cluster-"))
    prefix = f"bench{secrets.token_hex(4)}"
    single_cfg = root / "single.toml"
    single_cfg.write_text(config_text(args, root / "single", prefix, storage=True))
    cluster_cfg = root / "cluster.toml"
    cluster_cfg.write_text(config_text(args, root / "cluster", prefix, storage=True))
    try:
        single = asyncio.run(single_process(single_cfg))
        multi = multi_process(cluster_cfg, prefix, single["sessions"])
    finally:
        drop_run_tables(root)
    print(
        json.dumps(
            {
                "benchmark": "cluster",
                "replay": f"{args.start}..{args.end} (modelled chains)",
                "single_process": single,
                "multi_process": multi,
                "ratio_sessions_per_s": round(
                    multi["sessions_per_s"] / single["sessions_per_s"], 3
                ),
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
