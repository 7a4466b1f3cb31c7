"""The agreed public names of optionswarm.data and optionswarm.storage stay importable."""

from __future__ import annotations

import pytest

from optionswarm import data, storage

AGREED_DATA = {
    "ArchDataSource",
    "BarSeries",
    "ChainModelConfig",
    "ModelledChainBuilder",
    "ReplayFeed",
    "UnderlyingSource",
}
AGREED_STORAGE = {"ChainStore", "ColdArchive", "HotStore", "InProcessHotStore", "QuarantineStore"}


def test_agreed_names_are_exported_and_resolve() -> None:
    assert set(data.__all__) >= AGREED_DATA
    assert set(storage.__all__) >= AGREED_STORAGE
    for name in data.__all__:
        assert getattr(data, name) is not None
    for name in AGREED_STORAGE:
        assert getattr(storage, name) is not None


def test_unknown_storage_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchStore"):
        _ = storage.NoSuchStore
