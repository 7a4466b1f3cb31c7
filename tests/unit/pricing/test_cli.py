"""``optionswarm price`` through typer's CliRunner, numbers checked against the library."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from optionswarm.cli import app
from optionswarm.pricing import american_price, bsm_greeks, implied_vol

runner = CliRunner()


def _json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["price", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.output)
    return data


def test_european_json_matches_bsm_greeks_and_implied_vol() -> None:
    out = _json("--spot", "100", "--strike", "105", "--dte", "30", "--vol", "0.25",
                "--rate", "0.04", "--div", "0.01", "--put", "--price", "6.2")  # fmt: skip
    g = bsm_greeks(100.0, 105.0, 30 / 365, 0.04, 0.01, 0.25, False)
    for name in ("price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga"):
        assert out[name] == pytest.approx(float(getattr(g, name)), abs=1e-12)
    iv = implied_vol(6.2, 100.0, 105.0, 30 / 365, 0.04, 0.01, False)
    assert out["iv"] == pytest.approx(float(iv.iv), abs=1e-12)
    assert out["iv_reason"] == "OK"


def test_american_iv_reprices_the_market_price_with_the_chosen_model() -> None:
    out = _json("--spot", "100", "--strike", "110", "--expiry-years", "0.5", "--rate", "0.05",
                "--put", "--american", "--model", "baw", "--price", "12.0")  # fmt: skip
    iv = float(out["iv"])  # type: ignore[arg-type]
    repriced = american_price(100.0, 110.0, 0.5, 0.05, 0.0, iv, False, model="baw")
    assert float(repriced) == pytest.approx(12.0)
    assert out["price"] == pytest.approx(12.0, abs=1e-8)


def test_price_below_intrinsic_without_vol_is_a_clear_error() -> None:
    result = runner.invoke(app, ["price", "--spot", "100", "--strike", "110", "--dte", "30",
                                 "--put", "--price", "5"])  # fmt: skip
    assert result.exit_code != 0
    assert "BELOW_INTRINSIC" in result.output


def test_american_default_is_the_exact_fixed_point_method() -> None:
    out = _json("--spot", "100", "--strike", "110", "--dte", "182", "--vol", "0.3",
                "--rate", "0.05", "--put", "--american")  # fmt: skip
    assert out["model"] == "alo"
    expected = american_price(100.0, 110.0, 182 / 365, 0.05, 0.0, 0.3, False, model="alo")
    assert out["price"] == pytest.approx(float(expected), abs=1e-12)


def test_table_output_and_argument_errors() -> None:
    ok = runner.invoke(app, ["price", "--spot", "100", "--strike", "100", "--dte", "10",
                             "--vol", "0.3", "--american", "--model", "bjs"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "theta_per_day" in ok.output
    for bad in (
        ["--spot", "100", "--strike", "100", "--vol", "0.3"],  # no expiry
        ["--spot", "100", "--strike", "100", "--dte", "5", "--expiry-years", "1", "--vol", "0.3"],
        ["--spot", "100", "--strike", "100", "--dte", "5"],  # neither vol nor price
        ["--spot", "100", "--strike", "100", "--dte", "5", "--vol", "0.3", "--model", "baw"],
    ):
        assert runner.invoke(app, ["price", *bad]).exit_code != 0, bad


def test_american_iv_reasons_for_impossible_prices() -> None:
    for price, reason in (("0", "NONPOSITIVE_PRICE"), ("150", "ABOVE_UPPER_BOUND")):
        result = runner.invoke(app, ["price", "--spot", "100", "--strike", "100", "--dte", "30",
                                     "--american", "--model", "baw", "--put", "--price", price,
                                     "--vol", "0.2", "--json"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["iv_reason"] == reason
