"""AuditLog details: canonical payloads, the injected clock, checkpoint timing, config."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.audit import (
    AuditConfig,
    AuditInputError,
    AuditLog,
    AuditRecord,
    AuditStore,
    Ed25519Signer,
    canonical_payload,
)
from optionswarm.storage.sql import create_sql_engine, sqlite_url

from .conftest import T0


class Fill(msgspec.Struct, frozen=True, kw_only=True):
    qty: int
    price: float
    symbol: str


def test_payloads_are_canonical_sorted_json() -> None:
    assert canonical_payload({"b": 1, "a": [1.5, None]}) == b'{"a":[1.5,null],"b":1}'
    assert canonical_payload(Fill(qty=2, price=1.25, symbol="SPX")) == (
        b'{"price":1.25,"qty":2,"symbol":"SPX"}'
    )
    assert canonical_payload({"z": 1, "y": 2}) == canonical_payload({"y": 2, "z": 1})


def _log(tmp_path: Path, clock: object = None, **fields: object) -> AuditLog:
    engine = create_sql_engine(sqlite_url(str(tmp_path / "a.db")))
    return AuditLog(
        AuditStore(engine),
        Ed25519Signer.generate(),
        AuditConfig(**fields),  # type: ignore[arg-type]
        clock=clock,  # type: ignore[arg-type]
    )


def test_time_comes_from_the_caller_or_the_injected_clock(tmp_path: Path) -> None:
    log = _log(tmp_path, clock=lambda: 42)
    log.append("login", {"user": "ann"})
    log.append("login", {"user": "bob"}, ts_ns=7)
    assert [log.record(i).ts_ns for i in range(2)] == [42, 7]
    (tmp_path / "other").mkdir()
    clockless = _log(tmp_path / "other")
    with pytest.raises(ValueError, match="clock"):
        clockless.append("login", {})


def test_checkpoints_follow_record_count_and_record_time(tmp_path: Path) -> None:
    log = _log(tmp_path, checkpoint_every_records=5, checkpoint_every_seconds=2.0)
    log.append("a", {}, T0)  # first record: a checkpoint is due by time
    log.append("a", {}, T0 + 10**9)
    log.append("a", {}, T0 + 3 * 10**9)
    log.append_many(("a", {}, T0 + 3 * 10**9) for _ in range(5))
    assert [c.size for c in log.checkpoints()] == [1, 3, 8]
    assert log.checkpoint(T0).size == 8  # nothing new: the latest is returned
    latest = log.latest_checkpoint()
    assert latest is not None
    assert latest.verify(log.public_key).ok


def test_empty_log_and_out_of_range_requests_are_refused(tmp_path: Path) -> None:
    log = _log(tmp_path, checkpoint_every_records=0, checkpoint_every_seconds=0)
    assert log.append_many([]) == []
    assert log.latest_checkpoint() is None
    with pytest.raises(ValueError, match="empty"):
        log.checkpoint(T0)
    log.append("a", {"x": 1}, T0)
    for bad in (lambda: log.prove_inclusion(1), lambda: log.record(5)):
        with pytest.raises(KeyError):
            bad()
    with pytest.raises(ValueError, match="outside"):
        log.checkpoint_at(2, T0)
    with pytest.raises(ValueError, match="outside"):
        log.root(3)
    with pytest.raises(ValueError, match="cold store"):
        log.archive(1, T0)
    with pytest.raises(ValueError, match="cannot export"):
        log.export(str(tmp_path / "b.jsonl"), from_seq=1, to_seq=1)
    with pytest.raises(ValueError, match="prefix"):
        AuditStore(log.store.engine, prefix="bad-prefix;")


def test_records_decode_and_config_rejects_unknown_keys(tmp_path: Path) -> None:
    log = _log(tmp_path)
    log.append("config.changed", {"key": "max_loss", "new": 5}, T0)
    record = log.record(0)
    assert isinstance(record, AuditRecord)
    assert record.decoded() == {"key": "max_loss", "new": 5}
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"retention_yrs": 7}, AuditConfig)
    assert AuditConfig().retention_years == 7


@pytest.mark.parametrize(
    ("event", "match"),
    [
        (("", {}, T0), "kind"),
        (("x" * 200, {}, T0), "kind"),
        (("bad\nkind", {}, T0), "control"),
        ((7, {}, T0), "kind"),
        (("big", {"blob": "x" * 2_000}, T0), "exceeds"),
        (("late", {}, 2**63), "int64"),
        (("float", {}, 1.5), "int64"),
    ],
)
def test_bad_events_are_refused_and_nothing_lands(
    tmp_path: Path, event: tuple[object, object, object], match: str
) -> None:
    log = _log(tmp_path, max_payload_bytes=1_000)
    log.append("ok", {}, T0)
    with pytest.raises(AuditInputError, match=match):
        log.append_many([("fine", {}, T0), event])  # type: ignore[list-item]
    assert log.size == 1
    assert log.verify().ok


@given(
    st.lists(
        st.dictionaries(
            st.text(max_size=8),
            st.recursive(
                st.none()
                | st.booleans()
                | st.integers(-(2**63), 2**63 - 1)
                | st.floats(allow_nan=False)
                | st.text(max_size=20),
                lambda inner: (
                    st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3)
                ),
                max_leaves=8,
            ),
            max_size=5,
        ),
        min_size=1,
        max_size=8,
    )
)
@settings(max_examples=12, deadline=None)
def test_outside_payloads_append_verify_and_hash_independently_of_key_order(
    payloads: list[dict[str, object]],
) -> None:
    roots = []
    for order in (1, -1):
        engine = create_sql_engine("sqlite://")
        log = AuditLog(AuditStore(engine), Ed25519Signer.generate(), AuditConfig())
        log.append_many(
            ("external", dict(list(p.items())[::order]), T0 + i) for i, p in enumerate(payloads)
        )
        assert log.verify().ok
        assert [log.record(i).decoded() for i in range(len(payloads))] == [
            msgspec.json.decode(msgspec.json.encode(p)) for p in payloads
        ]
        roots.append(log.root())
        engine.dispose()
    assert roots[0] == roots[1]


def test_tick_signs_an_idle_tail_once_the_period_passed(tmp_path: Path) -> None:
    log = _log(tmp_path, checkpoint_every_records=100, checkpoint_every_seconds=5.0)
    assert log.tick(T0) is None  # empty log
    log.append("a", {}, T0)  # first record: checkpoint due by time
    log.append("a", {}, T0 + 10**9)  # uncovered tail
    assert log.tick(T0 + 2 * 10**9) is None  # period not over
    made = log.tick(T0 + 6 * 10**9)
    assert made is not None
    assert (made.size, made.ts_ns) == (2, T0 + 6 * 10**9)
    assert log.tick(T0 + 60 * 10**9) is None  # nothing new since
    disabled = _log(
        tmp_path / "d" if (tmp_path / "d").mkdir() is None else tmp_path, checkpoint_every_seconds=0
    )
    disabled.append("a", {}, T0)
    assert disabled.tick(T0 + 10**12) is None


def test_witness_files_that_are_broken_or_foreign_are_ignored(audit_log: AuditLog) -> None:
    from optionswarm.audit.witness import latest_witness

    cold = audit_log.cold
    assert cold is not None
    latest = latest_witness(cold, "optionswarm", audit_log.public_key)
    assert latest is not None
    assert latest.size == 50
    cold.write("optionswarm/checkpoints/000000000000999.json", b"{not json")
    forged = Ed25519Signer.generate()
    cold.write(
        "optionswarm/checkpoints/000000000000998.json",
        msgspec.json.encode(
            {
                "size": 998,
                "ts_ns": 1,
                "root": "00" * 32,
                "key_id": forged.key_id,
                "signature": forged.sign(b"x").hex(),
            }
        ),
    )
    assert latest_witness(cold, "optionswarm", audit_log.public_key) == latest
    assert audit_log.verify().ok


def test_an_unwritable_cold_store_does_not_fail_the_append(
    audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = audit_log.cold
    assert cold is not None

    def refuse(*_: object) -> None:
        raise OSError("read-only file system")

    monkeypatch.setattr(cold, "write", refuse)
    receipt = audit_log.append("late", {}, T0 + 10**9)
    assert audit_log.checkpoint(T0 + 2 * 10**9).size == receipt.seq + 1
    assert audit_log.verify().ok
