"""Exported bundles verify with the standalone verifier alone, and tampering is named."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from optionswarm.audit import AuditLog, Ed25519Signer, Reason, verify_bundle
from optionswarm.audit import verifier as verifier_module

ALLOWED_IMPORTS = {
    "__future__",
    "enum",
    "hashlib",
    "json",
    "struct",
    "sys",
    "collections.abc",
    "dataclasses",
    "typing",
    "cryptography.exceptions",
    "cryptography.hazmat.primitives.asymmetric.ed25519",
    "pyarrow.parquet",
}


def test_verifier_imports_only_stdlib_and_cryptography() -> None:
    tree = ast.parse(Path(verifier_module.__file__).read_text())
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= ALLOWED_IMPORTS


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize(("first", "end"), [(0, 50), (0, 16), (5, 37), (49, 50), (16, 32)])
def test_exported_ranges_verify(
    audit_log: AuditLog, tmp_path: Path, fmt: str, first: int, end: int
) -> None:
    path = tmp_path / f"bundle.{fmt}"
    header = audit_log.export(str(path), from_seq=first, to_seq=end, fmt=fmt)  # type: ignore[arg-type]
    assert (header["from_seq"], header["to_seq"]) == (first, end)
    result = verify_bundle(str(path), audit_log.public_key)
    assert result.ok, result.message
    assert result.checked_records == end - first


def test_standalone_verifier_runs_alone_on_a_copied_file(
    audit_log: AuditLog, tmp_path: Path
) -> None:
    bundle = tmp_path / "b.jsonl"
    audit_log.export(str(bundle), from_seq=3, to_seq=40)
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(verifier_module.__file__, alone / "verify_audit.py")
    script = (
        "import sys; sys.modules['optionswarm'] = None; sys.path.insert(0, '.')\n"
        "import verify_audit; sys.exit(verify_audit.main(sys.argv[1:]))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", script, str(bundle), audit_log.public_key.hex()],
        cwd=alone,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ok"] is True


def _tamper(path: Path, edit: object) -> None:
    lines = [json.loads(x) for x in path.read_text().splitlines()]
    edit(lines)  # type: ignore[operator]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))


def _records(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [x for x in lines if x["type"] == "record"]


def _flip_payload(lines: list[dict[str, object]]) -> None:
    _records(lines)[4]["payload"] = '{"n":999,"why":"ü"}'


def _drop_record(lines: list[dict[str, object]]) -> None:
    lines.remove(_records(lines)[4])


def _swap_records(lines: list[dict[str, object]]) -> None:
    recs = _records(lines)
    a, b = lines.index(recs[4]), lines.index(recs[5])
    lines[a], lines[b] = lines[b], lines[a]


def _cut_tail(lines: list[dict[str, object]]) -> None:
    lines.remove(_records(lines)[-1])


def _forge_path(lines: list[dict[str, object]]) -> None:
    proof = next(x for x in lines if x["type"] == "inclusion")
    path = proof["path"]
    assert isinstance(path, list)
    path[0] = "00" * 32


def _forge_root(lines: list[dict[str, object]]) -> None:
    next(x for x in lines if x["type"] == "checkpoint")["root"] = "11" * 32


@pytest.mark.parametrize(
    ("edit", "reason", "seq"),
    [
        (_flip_payload, Reason.RECORD_ALTERED, 9),
        (_drop_record, Reason.RECORD_MISSING, 9),
        (_swap_records, Reason.RECORD_REORDERED, 9),
        (_cut_tail, Reason.LOG_TRUNCATED, 39),
        (_forge_path, Reason.PROOF_INVALID, 39),
        (_forge_root, Reason.CHECKPOINT_SIGNATURE_INVALID, 49),
    ],
)
def test_tampered_bundles_are_named(
    audit_log: AuditLog, tmp_path: Path, edit: object, reason: Reason, seq: int
) -> None:
    path = tmp_path / "b.jsonl"
    audit_log.export(str(path), from_seq=5, to_seq=40)
    _tamper(path, edit)
    result = verify_bundle(str(path))
    assert (result.ok, result.reason, result.first_bad_seq) == (False, reason, seq)


def test_a_bundle_under_an_untrusted_key_is_refused(audit_log: AuditLog, tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    audit_log.export(str(path), to_seq=20)
    other = Ed25519Signer.generate().public_key
    assert verify_bundle(str(path), other).reason is Reason.CHECKPOINT_WRONG_KEY


def test_unreadable_and_foreign_files_are_malformed(tmp_path: Path) -> None:
    assert verify_bundle(str(tmp_path / "absent.jsonl")).reason is Reason.MALFORMED
    junk = tmp_path / "junk.jsonl"
    junk.write_text('{"type": "header", "format": "something-else"}\n')
    assert verify_bundle(str(junk)).reason is Reason.MALFORMED
    junk.write_text('{"type": "header"}\n{"type": "record"}\n')
    assert verify_bundle(str(junk)).reason is Reason.MALFORMED


def test_verifier_main_reports_usage_and_failure(
    audit_log: AuditLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert verifier_module.main([]) == 2
    path = tmp_path / "b.jsonl"
    audit_log.export(str(path), to_seq=10)
    assert verifier_module.main([str(path)]) == 0
    _tamper(path, _flip_payload)
    assert verifier_module.main([str(path)]) == 1
    assert '"RECORD_ALTERED"' in capsys.readouterr().out
