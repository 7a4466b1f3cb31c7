"""Verification of a large live log split over worker processes.

The live records are cut into segments aligned to ``2**segment_level`` leaves. Each worker checks
one segment on its own -- sequence, record hashes, chain links (from the stored hash of the
record before it), and the Merkle subtrees inside it against the stored ``nodes`` -- and returns
the segment's edge hashes, plus the edge at each checkpoint inside it. The parent then walks the
segments in order as the sequential scanner would: it folds each segment's subtrees into the
global tree (checking the stored nodes those merges complete) and compares the signed roots.
The verdict is the same as with one worker, including which record is named.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from optionswarm.audit.store import NODE_MIN_LEVEL, AuditStore, compare_nodes, node_id
from optionswarm.audit.verifier import (
    CheckpointView,
    Frontier,
    Reason,
    RecordScanner,
    VerificationResult,
    node_hash,
)
from optionswarm.storage.sql import create_sql_engine

if TYPE_CHECKING:
    from optionswarm.audit.log import AuditLog

__all__ = ["SEGMENT_LEVEL", "verify_segments"]

SEGMENT_LEVEL = 17
"""Segments of 131,072 records: big enough to amortise a process round trip."""


@dataclass(frozen=True)
class _SegmentResult:
    start: int
    end: int
    last_hash: bytes | None
    edges: dict[int, list[bytes]]  # size -> local edge hashes at that size (incl. ``end``)
    failure: VerificationResult | None  # record-level fault, in sequence order
    node_fault: VerificationResult | None


def _check_segment(
    url: str, prefix: str, *, start: int, end: int, sizes: list[int], prev: bytes | None
) -> _SegmentResult:
    """Worker: verify records ``[start, end)`` as a tree of their own."""
    engine = create_sql_engine(url)
    try:
        store = AuditStore(engine, prefix)
        before = store.records_between(start - 1, start) if prev is None else []
        rows = store.records_between(start, end)
        emitted: list[tuple[int, bytes]] = []
        scanner = RecordScanner(
            "",
            b"",
            [],
            next_seq=start,
            prev_hash=before[0][5] if before else (prev or b""),
            node_sink=lambda level, index, h: emitted.append((node_id(level, index), h)),
            node_min_level=NODE_MIN_LEVEL,
            locate=store.seq_of_hash,
            tree_offset=start,
        )
        edges: dict[int, list[bytes]] = {}
        done = 0
        for size in [*sizes, end]:
            if not scanner.feed(rows[done : size - start]):
                break
            done = size - start
            edges[size] = list(scanner.frontier.hashes)
        failure = scanner.failure
        if failure is None and scanner.next_seq != end:
            failure = VerificationResult.failure(
                Reason.RECORD_MISSING,
                f"record {scanner.next_seq} is missing (the next stored record is past it)",
                scanner.next_seq,
            )
        level = (end - start).bit_length()
        stored = [n for n in store.nodes_completed(start + 1, end) if n[0] % 64 < level]
        node_fault = None if failure is not None else compare_nodes(emitted, stored)
        last = rows[-1][5] if rows else None
        return _SegmentResult(start, end, last, edges, failure, node_fault)
    finally:
        engine.dispose()


def _push_subtree(frontier: Frontier, level: int, h: bytes) -> list[tuple[int, bytes]]:
    """Append a perfect subtree of ``2**level`` leaves; return the (node_id, hash) it completes."""
    done: list[tuple[int, bytes]] = []
    n = frontier.size >> level
    frontier.size += 1 << level
    while n & 1:
        h = node_hash(frontier.hashes.pop(), h)
        n >>= 1
        level += 1
        done.append((frontier.size * 64 + level, h))
    frontier.hashes.append(h)
    return done


def _fold(hashes: list[bytes]) -> bytes:
    h = hashes[-1]
    for left in reversed(hashes[:-1]):
        h = node_hash(left, h)
    return h


def verify_segments(
    log: AuditLog,
    scanner: RecordScanner,
    node_faults: list[VerificationResult],
    *,
    first: int,
    size: int,
    workers: int,
    segment_level: int = SEGMENT_LEVEL,
) -> VerificationResult | None:
    """Check live records ``[first, size)`` with ``workers`` processes, continuing ``scanner``.

    ``first`` must be a multiple of ``2**segment_level`` and ``scanner`` must stand at ``first``.
    Subtree mismatches go to ``node_faults`` (they rank below record faults).
    """
    seg = 1 << segment_level
    cps = [c for c in scanner.checkpoints if first < c.size <= size]
    bounds = [(a, min(a + seg, size)) for a in range(first, size, seg)]
    url = log.store.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(
                _check_segment,
                url,
                log.store.prefix,
                start=a,
                end=b,
                sizes=[c.size for c in cps if a < c.size < b],
                prev=scanner.prev_hash if a == first else None,
            )
            for a, b in bounds
        ]
        for future in futures:
            bad = _merge_segment(log, scanner, cps, future.result(), node_faults)
            if bad is not None:
                for rest in futures:
                    rest.cancel()
                return bad
    return None


def _merge_segment(
    log: AuditLog,
    scanner: RecordScanner,
    cps: list[CheckpointView],
    seg: _SegmentResult,
    node_faults: list[VerificationResult],
) -> VerificationResult | None:
    """Fold one worker's result into the global scan, in the sequential scanner's order."""
    prefix = list(scanner.frontier.hashes)
    for cp in (c for c in cps if seg.start < c.size <= seg.end):
        edge = seg.edges.get(cp.size)
        if edge is None:
            break
        if _fold(prefix + edge) != cp.root:
            good = max([c.size for c in scanner.checkpoints if c.size < cp.size] or [0])
            return VerificationResult.failure(
                Reason.CHECKPOINT_ROOT_MISMATCH,
                f"the Merkle root of the first {cp.size} records differs from the signed "
                f"checkpoint: records from {good} on were rewritten",
                good,
            )
    if seg.failure is not None:
        return seg.failure
    if seg.node_fault is not None:
        node_faults.append(seg.node_fault)
    local_size = seg.end - seg.start
    levels = [lv for lv in range(local_size.bit_length() - 1, -1, -1) if local_size >> lv & 1]
    emitted: list[tuple[int, bytes]] = []
    for level, h in zip(levels, seg.edges[seg.end], strict=True):
        emitted += _push_subtree(scanner.frontier, level, h)
    top = local_size.bit_length()
    stored = [n for n in log.store.nodes_completed(seg.end, seg.end) if n[0] % 64 >= top]
    fault = compare_nodes([n for n in emitted if n[0] % 64 >= top], stored)
    if fault is not None:
        node_faults.append(fault)
    scanner.skip_to(seg.end, seg.last_hash or scanner.prev_hash)
    return None
