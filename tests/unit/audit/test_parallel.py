"""A segment checked on its own (as a worker does) reports its subtree and its first fault."""

from __future__ import annotations

import sqlalchemy as sa

from optionswarm.audit import AuditLog, Reason
from optionswarm.audit.merkle import MemoryTree
from optionswarm.audit.parallel import _check_segment


def _url(log: AuditLog) -> str:
    return log.store.engine.url.render_as_string(hide_password=False)


def test_a_clean_segment_returns_its_subtree_and_checkpoint_edges(audit_log: AuditLog) -> None:
    leaves = [audit_log.record(i).hash for i in range(50)]
    tree = MemoryTree(leaves)
    result = _check_segment(_url(audit_log), "audit_", start=16, end=32, sizes=[20], prev=None)
    assert (result.failure, result.node_fault) == (None, None)
    assert result.edges[32] == [tree.levels[4][1]]
    assert result.edges[20] == [tree.levels[2][4]]
    assert result.last_hash == leaves[31]


def test_a_segment_with_a_missing_record_names_it(audit_log: AuditLog) -> None:
    with audit_log.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_records_no_delete")
        conn.execute(sa.text("DELETE FROM audit_records WHERE seq >= 30 AND seq < 32"))
    result = _check_segment(_url(audit_log), "audit_", start=16, end=32, sizes=[], prev=None)
    assert result.failure is not None
    assert (result.failure.reason, result.failure.first_bad_seq) == (Reason.RECORD_MISSING, 30)


def test_a_segment_with_a_wrong_stored_subtree_reports_it_apart(audit_log: AuditLog) -> None:
    with audit_log.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_nodes_no_update")
        conn.execute(
            sa.text("UPDATE audit_nodes SET hash = :h WHERE node_id = :n"),
            {"h": bytes(32), "n": 32 * 64 + 4},
        )
    first_prev = audit_log.record(15).hash
    result = _check_segment(_url(audit_log), "audit_", start=16, end=32, sizes=[], prev=first_prev)
    assert result.failure is None
    assert result.node_fault is not None
    assert (result.node_fault.reason, result.node_fault.first_bad_seq) == (Reason.NODE_MISMATCH, 16)
