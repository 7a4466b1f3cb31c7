"""RFC 6962 proof *generation* over stored subtree hashes (verification lives in ``verifier``).

A proof is a list of Merkle Tree Hashes of ranges ``[a, b)`` of leaves. Every such range in an RFC
6962 tree splits into aligned perfect subtrees ``(level, index)`` (covering leaves
``index * 2**level`` to ``(index + 1) * 2**level``), so a proof needs only O(log n) perfect-subtree
hashes. A :class:`HashSource` returns those in one batch, which keeps proof generation at a couple
of queries however large the log is.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from optionswarm.audit.verifier import EMPTY_ROOT, node_hash

__all__ = [
    "HashSource",
    "MemoryTree",
    "PerfectKey",
    "consistency_ranges",
    "frontier_keys",
    "inclusion_ranges",
    "perfect_keys",
    "resolve",
]

PerfectKey = tuple[int, int]
"""``(level, index)`` of an aligned perfect subtree of ``2**level`` leaves."""


class HashSource(Protocol):
    """Where perfect-subtree hashes come from (a database, an archive, memory)."""

    def perfect_hashes(self, keys: Collection[PerfectKey]) -> dict[PerfectKey, bytes]:
        """The hash of each requested perfect subtree."""
        ...


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_keys(a: int, b: int) -> list[PerfectKey]:
    """The perfect subtrees, left to right, whose fold is MTH(D[a:b]) for an RFC 6962 node range."""
    keys: list[PerfectKey] = []
    while b > a:
        n = b - a
        if n & (n - 1) == 0:
            level = n.bit_length() - 1
            keys.append((level, a >> level))
            break
        k = _split(n)
        level = k.bit_length() - 1
        keys.append((level, a >> level))
        a += k
    return keys


def frontier_keys(size: int) -> list[PerfectKey]:
    """The perfect subtrees on the right edge of a tree of ``size`` leaves (its compact range)."""
    keys: list[PerfectKey] = []
    start = 0
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            keys.append((level, start >> level))
            start += 1 << level
    return keys


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form the audit path of leaf ``index`` (RFC 6962 PATH)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    siblings: list[tuple[int, int]] = []
    a, b = 0, size
    while b - a > 1:
        k = _split(b - a)
        if index < a + k:
            siblings.append((a + k, b))
            b = a + k
        else:
            siblings.append((a, a + k))
            a += k
    siblings.reverse()
    return siblings


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """Leaf ranges whose hashes form the consistency proof old -> new (RFC 6962 SUBPROOF)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    out: list[tuple[int, int]] = []
    m, a, b, complete = old_size, 0, new_size, True
    while m != b - a:
        k = _split(b - a)
        if m <= k:
            out.append((a + k, b))
            b = a + k
        else:
            out.append((a, a + k))
            m -= k
            a += k
            complete = False
    if not complete:
        out.append((a, b))
    out.reverse()
    return out


def resolve(ranges: Sequence[tuple[int, int]], source: HashSource) -> list[bytes]:
    """The Merkle Tree Hash of each range, fetched from ``source`` in one batch."""
    plans = [perfect_keys(a, b) for a, b in ranges]
    wanted = {key for plan in plans for key in plan}
    got = source.perfect_hashes(wanted)
    out: list[bytes] = []
    for plan in plans:
        if not plan:
            out.append(EMPTY_ROOT)
            continue
        h = got[plan[-1]]
        for key in reversed(plan[:-1]):
            h = node_hash(got[key], h)
        out.append(h)
    return out


class MemoryTree:
    """All levels of an RFC 6962 tree over leaf hashes held in memory (tests, small bundles)."""

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaf_hashes)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )

    def perfect_hashes(self, keys: Collection[PerfectKey]) -> dict[PerfectKey, bytes]:
        """Look each perfect subtree up in the level lists."""
        return {(lv, ix): self.levels[lv][ix] for lv, ix in keys}

    def root(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves."""
        return resolve([(0, size)], self)[0]
