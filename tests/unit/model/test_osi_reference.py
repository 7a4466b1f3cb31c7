"""Every OSI case from outside the project (shared/reference/pricing-cases.json, key ``osi``)."""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
from typing import Any

import pytest

from optionswarm.model import OccSymbol, OptionRight

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
REFERENCE = _REPO_ROOT.parent / "shared" / "reference" / "pricing-cases.json"
_IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _osi_cases() -> list[dict[str, Any]]:
    if not REFERENCE.exists():
        return []
    cases: list[dict[str, Any]] = json.loads(REFERENCE.read_text())["osi"]
    return cases


CASES = _osi_cases()


def test_reference_file_is_present_with_all_osi_rows() -> None:
    if not REFERENCE.exists():
        if _IN_CI:
            pytest.fail(f"reference cases missing at {REFERENCE}")
        pytest.skip(f"reference cases missing at {REFERENCE}")
    assert len(CASES) == 16
    assert sum(case["format"] == "compact_unpadded" for case in CASES) == 2


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_osi_reference_symbol_parses_to_its_fields_and_formats_back(case: dict[str, Any]) -> None:
    symbol = OccSymbol.parse(case["symbol"])

    assert symbol.root == case["root"]
    assert symbol.underlying == case["underlying"]
    assert symbol.expiry == dt.date.fromisoformat(case["expiry"])
    expected_right = OptionRight.CALL if case["option_type"] == "call" else OptionRight.PUT
    assert symbol.right is expected_right
    assert symbol.strike == pytest.approx(case["strike"], abs=1e-9)
    assert symbol.strike_milli == round(case["strike"] * 1000)

    if case["format"] == "compact_unpadded":
        assert symbol.compact() == case["symbol"]
        assert len(symbol.format()) == 21
        assert OccSymbol.parse(symbol.format()) == symbol
    else:
        assert case["format"] == "padded21"
        assert symbol.format() == case["symbol"]
        assert OccSymbol.parse(symbol.compact()) == symbol
