"""The audit log's behaviour and attack detection, on SQLite and on PostgreSQL alike.

Attacks are made the way an insider would: with SQL straight against the tables, after switching
off the append-only triggers.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.audit import (
    AuditConfig,
    AuditEvent,
    AuditKind,
    AuditLog,
    AuditStore,
    Ed25519Signer,
    Reason,
    verify_bundle,
)
from optionswarm.audit.verifier import checkpoint_message, merkle_root, record_hash
from optionswarm.storage.sql import create_sql_engine, sqlite_url

from .conftest import MakeLog, disable_guards, execute

T0 = 1_700_000_000_000_000_000


def _fill(log: AuditLog, n: int, batch: int = 10) -> None:
    for start in range(0, n, batch):
        log.append_many(
            AuditEvent(kind="order.submitted", payload={"i": i, "px": 1.5 + i}, ts_ns=T0 + i)
            for i in range(start, min(start + batch, n))
        )


def _flip(data: bytes, at: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _stored(store: AuditStore, seq: int) -> dict[str, object]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(store.records).where(store.records.c.seq == seq)).mappings()
        return dict(row.one())


def test_appended_records_verify_and_survive_a_reopen(make_log: MakeLog) -> None:
    log = make_log()
    receipts = [log.append("view.published", {"agent": "a", "p": 0.6}, T0 + i) for i in range(5)]
    _fill(log, 40)
    assert [r.seq for r in receipts] == list(range(5))
    assert log.size == 45
    result = log.verify()
    assert result.ok, result.message
    assert (result.checked_records, result.checked_checkpoints) == (45, 2)
    reopened = make_log()
    assert (reopened.size, reopened.root()) == (log.size, log.root())
    reopened.append("config.changed", {"key": "x"}, T0 + 99)
    assert reopened.verify().ok
    assert reopened.record(45).prev_hash == log.record(44).hash


def test_same_records_give_the_same_root_whatever_the_key(
    make_log: MakeLog, tmp_path: Path
) -> None:
    log = make_log()
    _fill(log, 33)
    engine = create_sql_engine(sqlite_url(str(tmp_path / "twin.db")))
    config = AuditConfig(checkpoint_every_records=5, checkpoint_every_seconds=0)
    twin = AuditLog(AuditStore(engine), Ed25519Signer.generate(), config)
    _fill(twin, 33, batch=7)
    assert twin.root() == log.root()
    assert merkle_root([log.record(i).hash for i in range(33)]) == log.root()
    engine.dispose()


def test_every_inclusion_and_consistency_proof_verifies(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 37)
    log.checkpoint(T0 + 1000)
    for seq in range(37):
        proof = log.prove_inclusion(seq)
        assert proof.checkpoint.size == 37
        assert proof.verify(log.public_key).ok
    for old in range(1, 38):
        assert log.prove_consistency(old, 37, ts_ns=T0 + 2000).verify(log.public_key).ok


@pytest.mark.parametrize("column", ["payload", "kind", "ts_ns", "prev_hash", "hash"])
def test_flipping_one_byte_in_a_stored_record_is_named(make_log: MakeLog, column: str) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    old = _stored(log.store, 21)[column]
    if isinstance(old, bytes):
        new: object = _flip(old, len(old) // 2)
    elif isinstance(old, str):
        new = _flip(old.encode()).decode()
    else:
        new = int(old) ^ 1  # type: ignore[call-overload]
    execute(log.store, f"UPDATE {log.store.records.name} SET {column} = :v WHERE seq = 21", v=new)
    result = log.verify()
    assert not result.ok
    assert (result.reason, result.first_bad_seq) == (Reason.RECORD_ALTERED, 21)
    assert "21" in result.message


def test_deleting_a_record_is_named(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq = 17")
    result = log.verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.RECORD_MISSING, 17)


def test_reordering_two_records_is_named(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    table = log.store.records.name
    for sql in (
        f"UPDATE {table} SET seq = -1 WHERE seq = 10",
        f"UPDATE {table} SET seq = 10 WHERE seq = 11",
        f"UPDATE {table} SET seq = 11 WHERE seq = -1",
    ):
        execute(log.store, sql)
    result = log.verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.RECORD_REORDERED, 10)


def test_truncating_the_tail_is_caught_by_the_latest_checkpoint(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    log.checkpoint(T0 + 500)
    disable_guards(log.store)
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq >= 35")
    result = make_log().verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.LOG_TRUNCATED, 35)


def _rewrite_tail(log: AuditLog, from_seq: int) -> None:
    """Change record ``from_seq`` and recompute every later hash: a consistent forgery."""
    table = log.store.records.name
    prev = log.record(from_seq - 1).hash
    for seq in range(from_seq, log.size):
        rec = log.record(seq)
        payload = b'{"forged":true}' if seq == from_seq else rec.payload
        h = record_hash(seq, rec.ts_ns, rec.kind, prev, payload)
        execute(
            log.store,
            f"UPDATE {table} SET payload = :p, prev_hash = :prev, hash = :h WHERE seq = :s",
            p=payload,
            prev=prev,
            h=h,
            s=seq,
        )
        prev = h


def test_a_consistent_rewrite_is_caught_by_the_signed_root(make_log: MakeLog) -> None:
    log = make_log(checkpoint_every_records=0)
    _fill(log, 40)
    log.checkpoint(T0 + 100)
    disable_guards(log.store)
    _rewrite_tail(log, 30)
    execute(log.store, f"DELETE FROM {log.store.nodes.name}")
    result = log.verify()
    assert (result.ok, result.reason) == (False, Reason.CHECKPOINT_ROOT_MISMATCH)
    assert result.first_bad_seq == 0


def test_tampered_stored_subtree_is_named(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    node_id = 32 * 64 + 4  # the subtree of records 16..31
    execute(
        log.store,
        f"UPDATE {log.store.nodes.name} SET hash = :h WHERE node_id = {node_id}",
        h=bytes(32),
    )
    result = log.verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.NODE_MISMATCH, 16)


def test_replacing_a_checkpoint_root_breaks_its_signature(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    table = log.store.checkpoints.name
    size = log.checkpoints()[0].size
    execute(log.store, f"UPDATE {table} SET root = :r WHERE size = {size}", r=bytes(32))
    result = log.verify()
    assert (result.reason, result.first_bad_seq) == (Reason.CHECKPOINT_SIGNATURE_INVALID, size - 1)


@pytest.mark.parametrize("keep_key_id", [True, False])
def test_re_signing_with_another_key_is_caught(make_log: MakeLog, keep_key_id: bool) -> None:
    log = make_log(checkpoint_every_records=0)
    _fill(log, 40)
    log.checkpoint(T0 + 100)
    disable_guards(log.store)
    _rewrite_tail(log, 30)
    attacker = Ed25519Signer.generate()
    root = merkle_root([log.record(seq).hash for seq in range(40)])
    sig = attacker.sign(checkpoint_message(log.config.log_id, 40, root, T0 + 100))
    key_id = log.signer.key_id if keep_key_id else attacker.key_id
    execute(
        log.store,
        f"UPDATE {log.store.checkpoints.name} SET root = :r, signature = :s, key_id = :k",
        r=root,
        s=sig,
        k=key_id,
    )
    result = log.verify()
    expected = Reason.CHECKPOINT_SIGNATURE_INVALID if keep_key_id else Reason.CHECKPOINT_WRONG_KEY
    assert (result.ok, result.reason, result.first_bad_seq) == (False, expected, 39)


def test_forged_proofs_are_rejected(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 40)
    log.checkpoint(T0 + 100)
    proof = log.prove_inclusion(13)
    path = list(proof.path)
    path[2] = _flip(path[2])
    bad = type(proof)(
        seq=13, leaf_hash=proof.leaf_hash, path=tuple(path), checkpoint=proof.checkpoint
    )
    assert (bad.verify(log.public_key).reason, bad.verify(log.public_key).first_bad_seq) == (
        Reason.PROOF_INVALID,
        13,
    )
    moved = type(proof)(
        seq=14, leaf_hash=proof.leaf_hash, path=proof.path, checkpoint=proof.checkpoint
    )
    assert moved.verify(log.public_key).reason is Reason.PROOF_INVALID
    consistency = log.prove_consistency(16, 40, ts_ns=T0 + 200)
    forged = type(consistency)(
        old=consistency.old, new=consistency.new, path=(*consistency.path[:-1], bytes(32))
    )
    assert forged.verify(log.public_key).reason is Reason.PROOF_INVALID
    other = Ed25519Signer.generate().public_key
    assert consistency.verify(other).reason is Reason.CHECKPOINT_WRONG_KEY


def test_append_only_triggers_refuse_update_and_delete(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 20)
    table = log.store.records.name
    for sql in (
        f"UPDATE {table} SET kind = 'x' WHERE seq = 3",
        f"DELETE FROM {table} WHERE seq = 3",
    ):
        with pytest.raises(sa.exc.DBAPIError, match=r"append-only|archived"):
            execute(log.store, sql)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        execute(log.store, f"DELETE FROM {log.store.checkpoints.name}")
    assert log.verify().ok


def test_a_batch_is_all_or_nothing(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 10)
    with pytest.raises(TypeError):
        log.append_many([("ok", {"a": 1}, T0), ("bad", object(), T0)])
    assert log.size == 10
    log.append("ok", {"a": 1}, T0)
    assert make_log().size == 11
    assert log.verify().ok


def test_archive_keeps_verification_proofs_and_export_across_the_cold_store(
    make_log: MakeLog, tmp_path: Path
) -> None:
    log = make_log()
    _fill(log, 100)
    doc = log.archive(48, ts_ns=T0 + 10_000)
    assert doc["manifest"]["end"] == 48
    assert log.store.tail()[0] == 48
    _fill(log, 20)
    log.checkpoint(T0 + 20_000)
    assert log.verify().ok
    for seq in (0, 17, 47, 48, 110):
        assert log.prove_inclusion(seq).verify(log.public_key).ok
    assert log.prove_consistency(32, ts_ns=T0 + 20_001).verify(log.public_key).ok
    log.archive(90, ts_ns=T0 + 30_000)
    reopened = make_log()
    assert reopened.root() == log.root()
    assert reopened.verify().ok
    for fmt in ("jsonl", "parquet"):
        bundle = tmp_path / f"across.{fmt}"
        reopened.export(str(bundle), from_seq=40, to_seq=100, fmt=fmt)  # type: ignore[arg-type]
        result = verify_bundle(str(bundle), log.public_key)
        assert (result.ok, result.checked_records) == (True, 60)


def test_deleting_live_records_through_a_forged_archive_row_is_caught(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 60)
    execute(
        log.store,
        f"INSERT INTO {log.store.archives.name} (upto, start, manifest_path, manifest_sha256) "
        "VALUES (40, 0, 'nowhere.json', :h)",
        h=bytes(32),
    )
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq < 40")
    result = log.verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.ARCHIVE_MISSING, 0)


def test_tampered_cold_segment_is_caught(make_log: MakeLog) -> None:
    log = make_log()
    _fill(log, 60)
    doc = log.archive(40, ts_ns=T0 + 10_000)
    assert log.cold is not None
    bundle = doc["manifest"]["bundle"]
    data = log.cold.read(bundle)
    assert data is not None
    log.cold.write(bundle, _flip(data, len(data) // 2))
    result = log.verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.ARCHIVE_INVALID, 0)


def test_agreed_kinds_are_stored_as_plain_strings(make_log: MakeLog) -> None:
    log = make_log()
    log.append(AuditKind.BREAKER_TRIPPED, {"breaker": "daily_loss"}, T0)
    log.append(AuditKind.ROLE_CHANGED, {"user": "ann", "role": "approver"}, T0 + 1)
    assert [log.record(i).kind for i in range(2)] == ["breaker.tripped", "auth.role_changed"]
    assert type(log.record(0).kind) is str
    assert log.verify().ok


def _t_payload(log: AuditLog) -> None:
    rec = log.record(37)
    execute(
        log.store,
        f"UPDATE {log.store.records.name} SET payload = :p WHERE seq = 37",
        p=_flip(rec.payload),
    )


def _t_delete_segment_tail(log: AuditLog) -> None:
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq >= 60 AND seq < 64")


def _t_reorder(log: AuditLog) -> None:
    table = log.store.records.name
    for sql in (
        f"UPDATE {table} SET seq = -1 WHERE seq = 32",
        f"UPDATE {table} SET seq = 32 WHERE seq = 33",
        f"UPDATE {table} SET seq = 33 WHERE seq = -1",
    ):
        execute(log.store, sql)


def _t_rewrite_and_nodes(log: AuditLog) -> None:
    _rewrite_tail(log, 50)
    execute(log.store, f"DELETE FROM {log.store.nodes.name}")


def _t_node(log: AuditLog) -> None:
    execute(
        log.store,
        f"UPDATE {log.store.nodes.name} SET hash = :h WHERE node_id = :n",
        h=bytes(32),
        n=64 * 64 + 6,
    )


def _t_truncate(log: AuditLog) -> None:
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq >= 90")


def _t_nothing(log: AuditLog) -> None:
    del log


@pytest.mark.parametrize(
    "attack",
    [
        _t_nothing,
        _t_payload,
        _t_delete_segment_tail,
        _t_reorder,
        _t_rewrite_and_nodes,
        _t_node,
        _t_truncate,
    ],
)
def test_parallel_verification_finds_what_the_sequential_one_finds(
    make_log: MakeLog, attack: object
) -> None:
    log = make_log(checkpoint_every_records=0)
    _fill(log, 70, batch=7)
    log.checkpoint(T0 + 1)
    _fill(log, 30)
    log.archive(9, ts_ns=T0 + 2)  # live records start unaligned at 9
    log.checkpoint(T0 + 3)
    disable_guards(log.store)
    attack(log)  # type: ignore[operator]
    sequential = log.verify()
    parallel = log.verify(workers=2, segment_level=4)
    assert (parallel.ok, parallel.reason, parallel.first_bad_seq) == (
        sequential.ok,
        sequential.reason,
        sequential.first_bad_seq,
    )
    assert sequential.ok is (attack is _t_nothing)


def test_truncating_records_and_checkpoints_is_caught_by_the_cold_witness(
    make_log: MakeLog,
) -> None:
    log = make_log()
    _fill(log, 40)
    disable_guards(log.store)
    execute(log.store, f"DELETE FROM {log.store.records.name} WHERE seq >= 25")
    execute(log.store, f"DELETE FROM {log.store.checkpoints.name} WHERE size > 20")
    execute(log.store, f"DELETE FROM {log.store.nodes.name} WHERE node_id >= {32 * 64}")
    result = make_log().verify()
    assert (result.ok, result.reason, result.first_bad_seq) == (False, Reason.LOG_TRUNCATED, 25)
    assert "witness" in result.message


def test_a_rewritten_and_re_signed_history_is_caught_by_the_cold_witness(
    make_log: MakeLog,
) -> None:
    log = make_log(checkpoint_every_records=0)
    _fill(log, 40)
    log.checkpoint(T0 + 100)
    disable_guards(log.store)
    _rewrite_tail(log, 30)
    execute(log.store, f"DELETE FROM {log.store.checkpoints.name}")
    execute(log.store, f"DELETE FROM {log.store.nodes.name}")
    result = log.verify()
    assert (result.ok, result.reason) == (False, Reason.CHECKPOINT_ROOT_MISMATCH)
