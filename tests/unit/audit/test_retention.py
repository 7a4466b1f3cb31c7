"""Retention: closed calendar months are due for the cold store; nothing goes before 7 years."""

from __future__ import annotations

import datetime as dt

from optionswarm.audit import AuditLog, RetentionPolicy
from optionswarm.audit.archive import ColdStore


def _ns(*args: int) -> int:
    return int(dt.datetime(*args, tzinfo=dt.UTC).timestamp()) * 10**9  # type: ignore[misc]


def test_cutoff_is_the_start_of_the_month_archive_after_days_ago() -> None:
    policy = RetentionPolicy(archive_after_days=90)
    assert policy.archive_cutoff_ns(_ns(2026, 11, 25)) == _ns(2026, 8, 1)
    assert RetentionPolicy(archive_after_days=0).archive_cutoff_ns(_ns(2026, 1, 1)) == _ns(
        2026, 1, 1
    )


def test_nothing_may_be_purged_within_seven_years() -> None:
    policy = RetentionPolicy()
    newest = _ns(2019, 1, 1)
    assert not policy.purge_allowed(newest, _ns(2025, 12, 31))
    assert policy.purge_allowed(newest, _ns(2026, 1, 2))


def test_apply_retention_archives_closed_months_only(audit_log: AuditLog) -> None:
    t0 = _ns(2026, 1, 10)
    log = audit_log
    log.append_many(("fill", {"m": m}, t0 + m * 31 * 86_400 * 10**9) for m in range(8))
    now = _ns(2026, 9, 15)
    doc = log.apply_retention(now)
    assert doc is not None
    archived_upto = doc["manifest"]["end"]
    # the 50 fixture records (Nov 2023) and fills of Jan..May 2026 are before Jun 1 2026
    assert archived_upto == 50 + 5
    assert log.verify().ok
    assert log.apply_retention(now) is None


def test_cold_store_reads_missing_names_as_none(tmp_path: object) -> None:
    cold = ColdStore(f"file://{tmp_path}/cold")
    assert cold.read("absent.json") is None
    cold.write("a/b.bin", b"x")
    assert cold.read("a/b.bin") == b"x"
