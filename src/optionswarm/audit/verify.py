"""Full verification of a stored log: archived segments, then live records, then truncation.

Faults are reported in this order of precedence, each naming the record it concerns: a bad
checkpoint signature or key; the first record-level fault in sequence order (missing, altered,
reordered, broken link) or signed root that does not match, whichever comes first; truncation
below the latest checkpoint, or below / off the latest checkpoint witness in the cold store
(:mod:`optionswarm.audit.witness`); and only then a stored Merkle subtree that differs from the
recomputed one (it cannot hide a record fault, and proofs are checked against signed roots anyway).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optionswarm.audit.archive import verify_archived_segments
from optionswarm.audit.parallel import SEGMENT_LEVEL, verify_segments
from optionswarm.audit.store import NODE_MIN_LEVEL, compare_nodes, node_id
from optionswarm.audit.verifier import Reason, RecordScanner, VerificationResult
from optionswarm.audit.witness import verify_witness

if TYPE_CHECKING:
    from optionswarm.audit.log import AuditLog

__all__ = ["verify_log"]


def verify_log(
    log: AuditLog, *, workers: int = 1, chunk: int = 100_000, segment_level: int = SEGMENT_LEVEL
) -> VerificationResult:
    """Recompute every hash, link, stored subtree and signed root of ``log``."""
    store = log.store
    # Checkpoints are read BEFORE the tail: each one seen then covers records that were
    # already committed, so a checkpoint beyond the tail can only mean truncation.
    checkpoints = store.checkpoint_rows()
    first, size, _last = store.tail()
    emitted: list[tuple[int, bytes]] = []
    node_faults: list[VerificationResult] = []
    scanner = RecordScanner(
        log.config.log_id,
        log.signer.public_key,
        checkpoints,
        node_sink=lambda level, index, h: emitted.append((node_id(level, index), h)),
        node_min_level=NODE_MIN_LEVEL,
        locate=store.seq_of_hash,
    )

    def feed(rows: list[Any], stored: list[tuple[int, bytes]] | None = None) -> Any:
        lo = scanner.next_seq
        emitted.clear()
        if not scanner.feed(rows):
            return scanner.failure
        if stored is None:
            stored = store.nodes_completed(lo + 1, scanner.next_seq)
        fault = compare_nodes(emitted, stored)
        if fault is not None:
            node_faults.append(fault)
        return None

    bad = scanner.check_signatures()
    if bad is None and store.archive_rows():
        bad = verify_archived_segments(log, scanner, feed)
    if bad is None and first > scanner.next_seq:
        bad = VerificationResult.failure(
            Reason.RECORD_MISSING,
            f"records {scanner.next_seq}..{first - 1} are neither live nor archived",
            scanner.next_seq,
        )
    if bad is None:
        parallel = workers > 1 and store.engine.url.database not in (None, "", ":memory:")
        seg = 1 << segment_level
        aligned = min(-(-first // seg) * seg, size) if parallel else size
        bad = _verify_live(log, first, aligned, chunk, feed)
        if bad is None and aligned < size:
            bad = verify_segments(
                log,
                scanner,
                node_faults,
                first=aligned,
                size=size,
                workers=workers,
                segment_level=segment_level,
            )
    result = bad or scanner.finish()
    if result.ok:
        roots = {c.size: c.root for c in checkpoints if c.size <= scanner.next_seq}
        roots[scanner.next_seq] = scanner.frontier.root()
        result = verify_witness(log, scanner.next_seq, roots, not node_faults) or result
    return node_faults[0] if result.ok and node_faults else result


def _verify_live(
    log: AuditLog, first: int, size: int, chunk: int, feed: Callable[..., Any]
) -> VerificationResult | None:
    """Feed live records ``[first, size)`` chunk by chunk.

    No reader thread: the sqlite3 driver takes the GIL back for every row it steps over, so a
    prefetching thread convoys with the hashing one and both slow down several times.
    """
    store = log.store
    for lo in range(first, size, chunk):
        hi = min(lo + chunk, size)
        bad: VerificationResult | None = feed(
            store.records_between(lo, hi), store.nodes_completed(lo + 1, hi)
        )
        if bad is not None:
            return bad
    return None
