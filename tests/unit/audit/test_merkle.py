"""RFC 6962 Merkle trees: the published test vectors, and exhaustive small-tree checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optionswarm.audit.merkle import (
    MemoryTree,
    consistency_ranges,
    frontier_keys,
    inclusion_ranges,
    perfect_keys,
    resolve,
)
from optionswarm.audit.verifier import (
    EMPTY_ROOT,
    Frontier,
    leaf_hash,
    merkle_root,
    root_from_inclusion_proof,
    verify_consistency,
    verify_inclusion,
)

# The eight leaves and roots used by RFC 6962 implementations (certificate-transparency-go).
VECTOR_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
VECTOR_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H = {
    "96a2": "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f08": "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47": "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    "bc1a": "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "ca85": "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    "0ebc": "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
}
VECTOR_INCLUSION = [
    (0, 8, ["96a2", "5f08", "6b47"]),
    (5, 8, ["bc1a", "ca85", VECTOR_ROOTS[3]]),
    (2, 3, [VECTOR_ROOTS[1]]),
    (1, 5, [VECTOR_ROOTS[0], "5f08", "bc1a"]),
]
VECTOR_CONSISTENCY = [
    (1, 1, []),
    (1, 8, ["96a2", "5f08", "6b47"]),
    (6, 8, ["0ebc", "ca85", VECTOR_ROOTS[3]]),
    (2, 5, ["5f08", "bc1a"]),
]


def _hex(name: str) -> bytes:
    return bytes.fromhex(H.get(name, name))


@pytest.fixture(scope="module")
def vector_tree() -> MemoryTree:
    return MemoryTree([leaf_hash(x) for x in VECTOR_LEAVES])


def test_roots_match_the_rfc6962_vectors(vector_tree: MemoryTree) -> None:
    assert merkle_root([]) == EMPTY_ROOT
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size, expected in enumerate(VECTOR_ROOTS, start=1):
        assert vector_tree.root(size).hex() == expected
        assert merkle_root([leaf_hash(x) for x in VECTOR_LEAVES[:size]]).hex() == expected


@pytest.mark.parametrize(("index", "size", "path"), VECTOR_INCLUSION)
def test_inclusion_proofs_match_the_vectors(
    vector_tree: MemoryTree, index: int, size: int, path: list[str]
) -> None:
    expected = [_hex(p) for p in path]
    assert resolve(inclusion_ranges(index, size), vector_tree) == expected
    root = bytes.fromhex(VECTOR_ROOTS[size - 1])
    assert verify_inclusion(index, size, leaf_hash(VECTOR_LEAVES[index]), expected, root)


@pytest.mark.parametrize(("old", "new", "path"), VECTOR_CONSISTENCY)
def test_consistency_proofs_match_the_vectors(
    vector_tree: MemoryTree, old: int, new: int, path: list[str]
) -> None:
    expected = [_hex(p) for p in path]
    assert resolve(consistency_ranges(old, new), vector_tree) == expected
    roots = [bytes.fromhex(r) for r in VECTOR_ROOTS]
    assert verify_consistency(old, new, roots[old - 1], roots[new - 1], expected)


LEAVES = [leaf_hash(i.to_bytes(2, "big")) for i in range(64)]
TREE = MemoryTree(LEAVES)
ROOTS = [merkle_root(LEAVES[:n]) for n in range(65)]


@pytest.mark.parametrize("size", range(1, 65))
def test_every_inclusion_proof_of_every_small_tree_verifies(size: int) -> None:
    for index in range(size):
        path = resolve(inclusion_ranges(index, size), TREE)
        assert verify_inclusion(index, size, LEAVES[index], path, ROOTS[size])
        assert not verify_inclusion(
            index, size, LEAVES[index - 1 if index else 1], path, ROOTS[size]
        )
        if path:
            assert not verify_inclusion(index, size, LEAVES[index], path[:-1], ROOTS[size])


@pytest.mark.parametrize("size", range(1, 65))
def test_every_consistency_proof_of_every_small_tree_verifies(size: int) -> None:
    for old in range(1, size + 1):
        path = resolve(consistency_ranges(old, size), TREE)
        assert verify_consistency(old, size, ROOTS[old], ROOTS[size], path)
        if old < size:
            assert not verify_consistency(
                old, size, ROOTS[old - 1] if old > 1 else ROOTS[2], ROOTS[size], path
            )
            assert not verify_consistency(old, size, ROOTS[old], ROOTS[size], [*path, path[0]])


@pytest.mark.parametrize("size", range(0, 65))
def test_frontier_and_perfect_decomposition_agree_with_the_root(size: int) -> None:
    frontier = Frontier()
    for h in LEAVES[:size]:
        frontier.push(h)
    assert frontier.root() == ROOTS[size]
    keys = frontier_keys(size)
    assert [lv for lv, _ in keys] == frontier.levels
    assert [TREE.levels[lv][ix] for lv, ix in keys] == frontier.hashes
    assert resolve([(0, size)], TREE) == [ROOTS[size]]
    assert sum(1 << lv for lv, _ in perfect_keys(0, size)) == size


@given(
    st.integers(1, 64).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))),
    st.integers(0, 31),
    st.integers(0, 7),
)
def test_a_forged_audit_path_never_verifies(case: tuple[int, int], which: int, bit: int) -> None:
    size, index = case
    path = resolve(inclusion_ranges(index, size), TREE)
    if not path:
        assert root_from_inclusion_proof(index, size, LEAVES[index], path) == ROOTS[size]
        return
    k = which % len(path)
    forged = [*path[:k], bytes([path[k][0] ^ (1 << bit)]) + path[k][1:], *path[k + 1 :]]
    assert not verify_inclusion(index, size, LEAVES[index], forged, ROOTS[size])


def test_malformed_proof_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="not in a tree"):
        inclusion_ranges(5, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        consistency_ranges(0, 5)
    assert root_from_inclusion_proof(3, 3, LEAVES[0], []) is None
    assert root_from_inclusion_proof(0, 1, LEAVES[0], [LEAVES[1]]) is None
    assert not verify_consistency(0, 4, ROOTS[0], ROOTS[4], [])
    assert not verify_consistency(3, 3, ROOTS[3], ROOTS[3], [LEAVES[0]])
    assert not verify_consistency(4, 8, ROOTS[4], ROOTS[8], [])
    assert not verify_consistency(3, 4, ROOTS[3], ROOTS[4], [LEAVES[0]] * 5)
    with pytest.raises(ValueError, match="edge subtrees"):
        Frontier(3, [LEAVES[0]])
