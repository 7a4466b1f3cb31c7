"""The cold archives on S3-compatible storage: a real S3 server (moto) on loopback.

The chain archive and the audit archive take any pyarrow filesystem; here it is
``pyarrow.fs.S3FileSystem`` against ``moto_server`` started on a free port for this module.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from optionswarm.audit import AuditConfig, AuditLog, AuditStore, ColdStore, Ed25519Signer
from optionswarm.data.canonical import snapshot_to_table, table_to_snapshot
from optionswarm.model import ChainSnapshot
from optionswarm.storage import ChainStore, ColdArchive
from optionswarm.storage.sql import create_sql_engine, sqlite_url

NS_PER_DAY = 86_400 * 10**9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    server = Path(sys.executable).parent / "moto_server"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=sink, stderr=sink
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "moto_server did not start"
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _uri(bucket: str, path: str, endpoint: str) -> str:
    """An S3 URI carrying everything pyarrow needs: credentials as user info, the rest as query."""
    return f"s3://x:x@{bucket}/{path}?endpoint_override={endpoint}&scheme=http&region=us-east-1"


@pytest.fixture
def s3(s3_endpoint: str, request: pytest.FixtureRequest) -> tuple[pafs.S3FileSystem, str]:
    fs = pafs.S3FileSystem(
        endpoint_override=s3_endpoint,
        scheme="http",
        access_key="x",
        secret_key="x",
        region="us-east-1",
        allow_bucket_creation=True,
    )
    bucket = f"osw-{request.node.name.replace('_', '-')[:40].lower()}-{os.getpid()}"
    fs.create_dir(bucket)
    return fs, bucket


def _chain(day: dt.date, spot: float) -> ChainSnapshot:
    ts_ns = int(dt.datetime(day.year, day.month, day.day, 21, tzinfo=dt.UTC).timestamp()) * 10**9
    return ChainSnapshot.from_arrays(
        underlying="sp500",
        ts_ns=ts_ns,
        spot=spot,
        root="SPX",
        expiry_ns=np.full(4, ts_ns + 30 * NS_PER_DAY),
        strike=np.array([spot - 5, spot + 5, spot - 5, spot + 5]),
        is_call=np.array([True, True, False, False]),
        bid=np.array([6.0, 1.0, 0.9, 5.9]),
        ask=np.array([6.2, 1.2, 1.1, 6.1]),
        iv=np.array([0.2, 0.18, 0.22, 0.19]),
        source="test",
    )


def test_chain_archive_compacts_to_s3_and_reads_back(
    s3: tuple[pafs.S3FileSystem, str], s3_endpoint: str, tmp_path: Path
) -> None:
    fs, bucket = s3
    days = [dt.date(2018, 1, 30), dt.date(2018, 1, 31), dt.date(2018, 2, 1), dt.date(2018, 3, 1)]
    chains = [_chain(day, 2700.0 + i) for i, day in enumerate(days)]
    store = ChainStore(tmp_path / "chains")
    store.append(pa.concat_tables(snapshot_to_table(c) for c in chains))
    archive = ColdArchive(fs, f"{bucket}/chains")
    report = archive.compact(store, "sp500", dt.date(2018, 3, 1))
    assert report.months == ["2018-01", "2018-02"]
    assert report.days_moved == 3
    assert store.days("sp500") == [dt.date(2018, 3, 1)]
    assert archive.months("sp500") == ["2018-01", "2018-02"]
    back = archive.read("sp500", chains[1].ts_ns, chains[1].ts_ns)
    assert table_to_snapshot(back).equals(chains[1].sorted())
    by_uri = ColdArchive.from_uri(_uri(bucket, "chains", s3_endpoint))
    assert by_uri.read("sp500").num_rows == report.rows_moved == 12


def test_audit_segments_archive_to_s3_and_still_verify(
    s3: tuple[pafs.S3FileSystem, str], s3_endpoint: str, tmp_path: Path
) -> None:
    _, bucket = s3
    engine = create_sql_engine(sqlite_url(str(tmp_path / "audit.db")))
    ticks = iter(range(10**18, 10**18 + 10**13, 10**9))
    log = AuditLog(
        AuditStore(engine),
        Ed25519Signer.generate(),
        AuditConfig(checkpoint_every_records=8, checkpoint_every_seconds=0),
        clock=lambda: next(ticks),
        cold=ColdStore(_uri(bucket, "audit", s3_endpoint)),
    )
    try:
        log.append_many(("decision.made", {"n": i}, 10**18 + i) for i in range(30))
        log.archive(20)
        assert log.cold is not None
        assert log.cold.list("") != []
        assert log.verify().ok
    finally:
        engine.dispose()
