"""Shared fixtures of the data tests: one builder per session (its GARCH path is fitted once)."""

from __future__ import annotations

import pytest

from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.sources import ArchDataSource


@pytest.fixture(scope="session")
def builder() -> ModelledChainBuilder:
    return ModelledChainBuilder(ArchDataSource())
