"""``optionswarm audit``: verify, prove, export, verify-bundle and archive from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from optionswarm.cli import app


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Environment pointing the CLI at a fresh log with 40 records."""
    from optionswarm.audit.cli import _open

    values = {
        "OPTIONSWARM_AUDIT_DB": f"sqlite:///{tmp_path / 'a.db'}",
        "OPTIONSWARM_AUDIT_KEY": str(tmp_path / "key.pem"),
        "OPTIONSWARM_AUDIT_COLD": str(tmp_path / "cold"),
    }
    log = _open(
        values["OPTIONSWARM_AUDIT_DB"],
        Path(values["OPTIONSWARM_AUDIT_KEY"]),
        values["OPTIONSWARM_AUDIT_COLD"],
        "optionswarm",
        "audit_",
    )
    log.append_many(("risk.verdict", {"i": i}, 1_000 + i) for i in range(40))
    log.store.engine.dispose()
    return values


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args], env=env)
    return result.exit_code, result.output


def test_verify_prints_a_passing_report(env: dict[str, str]) -> None:
    code, out = _run(env, "verify", "--workers", "2")
    assert code == 0
    assert json.loads(out)["checked_records"] == 40


def test_verify_fails_with_the_first_bad_record(env: dict[str, str]) -> None:
    engine = sa.create_engine(env["OPTIONSWARM_AUDIT_DB"])
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_update")
        conn.exec_driver_sql("UPDATE audit_records SET payload = X'7B7D' WHERE seq = 7")
    engine.dispose()
    code, out = _run(env, "verify")
    report = json.loads(out)
    assert (code, report["reason"], report["first_bad_seq"]) == (1, "RECORD_ALTERED", 7)


def test_prove_prints_a_proof_that_checks_out(env: dict[str, str]) -> None:
    from optionswarm.audit.verifier import verify_inclusion

    code, out = _run(env, "prove", "12")
    assert code == 0
    doc = json.loads(out)
    proof = doc["proof"]
    assert verify_inclusion(
        12,
        proof["checkpoint"]["size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["path"]],
        bytes.fromhex(proof["checkpoint"]["root"]),
    )
    assert _run(env, "prove", "4000")[0] == 2


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_export_then_verify_bundle(env: dict[str, str], tmp_path: Path, fmt: str) -> None:
    out_file = tmp_path / f"b.{fmt}"
    code, out = _run(
        env, "export", "--from", "3", "--to", "30", "--format", fmt, "--out", str(out_file)
    )
    assert code == 0
    key = json.loads(out)["public_key"]
    code, out = _run(env, "verify-bundle", str(out_file), "--public-key", key)
    assert (code, json.loads(out)["checked_records"]) == (0, 27)
    assert _run(env, "export", "--format", "xml", "--out", str(out_file))[0] != 0


def test_archive_then_verify(env: dict[str, str]) -> None:
    code, out = _run(env, "archive", "--upto", "20")
    assert code == 0
    assert json.loads(out)["manifest"]["end"] == 20
    assert _run(env, "verify")[0] == 0
    code, out = _run(env, "archive")  # by policy: all but the marker stamped "now"
    assert code == 0
    assert json.loads(out)["manifest"]["end"] == 40
