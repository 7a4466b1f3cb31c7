"""``optionswarm price``: price one contract, show its Greeks and (given a market price) its IV.

European (``--model bsm``, the default) uses the closed form and :func:`implied_vol`; American
(``--american``; default model ``alo``, the exact fixed-point method) uses the chosen model,
finite-difference Greeks and :func:`american_implied_vol` under that model. Greek units as the
library: vega, rho per 1.00; theta per year (the table adds theta per day).
"""

from __future__ import annotations

import json
import math
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from optionswarm.pricing.american import AmericanModel, american_greeks
from optionswarm.pricing.american_iv import american_implied_vol
from optionswarm.pricing.binomial import DEFAULT_STEPS
from optionswarm.pricing.black_scholes import Greeks, bsm_greeks
from optionswarm.pricing.implied_volatility import IVReason, implied_vol

__all__ = ["Model", "price_command"]

_Contract = tuple[float, float, float, float, float]  # S, K, T, r, q
_GREEKS = ("delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga")


class Model(StrEnum):
    """Pricing model for the command."""

    BSM = "bsm"
    ALO = "alo"
    BAW = "baw"
    BJS = "bjs"
    TREE = "tree"


_AMERICAN: dict[Model, AmericanModel] = {
    Model.ALO: "alo",
    Model.BAW: "baw",
    Model.BJS: "bjs",
    Model.TREE: "tree",
}


def _evaluate(  # noqa: PLR0917  # one contract's fields, passed straight through
    args: _Contract, vol: float | None, market: float | None, is_call: bool,
    model: Model, steps: int,
) -> dict[str, Any]:  # fmt: skip
    iv, reason = None, None
    if market is not None:
        if model is Model.BSM:
            result = implied_vol(market, *args, is_call)
            iv, reason = float(result.iv), IVReason(int(result.reason)).name
        else:
            result = american_implied_vol(
                market, *args, is_call, model=_AMERICAN[model], steps=steps
            )
            iv, reason = float(result.iv), IVReason(int(result.reason)).name
    sigma = vol if vol is not None else iv
    if sigma is None or math.isnan(sigma):
        raise typer.BadParameter(f"no volatility to price with (IV: {reason})", param_hint="--vol")
    greeks: Greeks
    if model is Model.BSM:
        greeks = bsm_greeks(*args, sigma, is_call)
    else:
        greeks = american_greeks(*args, sigma, is_call, model=_AMERICAN[model], steps=steps)
    out: dict[str, Any] = {"model": model.value, "vol": sigma, "price": float(greeks.price)}
    out.update({name: float(getattr(greeks, name)) for name in _GREEKS})
    out["theta_per_day"] = out["theta"] / 365.0
    out["market_price"], out["iv"], out["iv_reason"] = market, iv, reason
    return out


def _table(result: dict[str, Any]) -> Table:
    table = Table(title=f"optionswarm price ({result['model']})")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows = ["price", "vol", *_GREEKS, "theta_per_day"]
    if result["market_price"] is not None:
        rows += ["market_price", "iv", "iv_reason"]
    for key in rows:
        value = result[key]
        table.add_row(key, f"{value:.10g}" if isinstance(value, float) else str(value))
    return table


def price_command(  # noqa: PLR0917  # typer maps each option to a parameter
    spot: Annotated[float, typer.Option("--spot", help="Underlying price.")],
    strike: Annotated[float, typer.Option("--strike", help="Strike price.")],
    expiry_years: Annotated[
        float | None, typer.Option("--expiry-years", help="Time to expiry in years.")
    ] = None,
    dte: Annotated[
        float | None, typer.Option("--dte", help="Calendar days to expiry (T = dte / 365).")
    ] = None,
    vol: Annotated[
        float | None, typer.Option("--vol", help="Volatility (0.2 = 20 %); default: the IV.")
    ] = None,
    rate: Annotated[float, typer.Option("--rate", help="Risk-free rate, cont. comp.")] = 0.0,
    div: Annotated[float, typer.Option("--div", help="Dividend yield, cont. comp.")] = 0.0,
    call: Annotated[bool, typer.Option("--call/--put", help="Call or put.")] = True,
    american: Annotated[bool, typer.Option("--american", help="American exercise.")] = False,
    model: Annotated[
        Model | None, typer.Option("--model", help="bsm | alo | baw | bjs | tree.")
    ] = None,
    steps: Annotated[int, typer.Option("--steps", help="Tree steps.")] = DEFAULT_STEPS,
    market_price: Annotated[
        float | None, typer.Option("--price", help="Market price: also compute the IV.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Price one option contract; print price, Greeks and (with --price) implied vol."""
    if (expiry_years is None) == (dte is None):
        raise typer.BadParameter("give exactly one of --expiry-years and --dte")
    years = expiry_years if expiry_years is not None else float(dte or 0.0) / 365.0
    chosen = model or (Model.ALO if american else Model.BSM)
    if american == (chosen is Model.BSM):
        raise typer.BadParameter(
            "bsm is European; alo, baw, bjs and tree need --american", param_hint="--model"
        )
    if vol is None and market_price is None:
        raise typer.BadParameter("give --vol, --price or both", param_hint="--vol")
    result = _evaluate((spot, strike, years, rate, div), vol, market_price, call, chosen, steps)
    if as_json:
        typer.echo(json.dumps(result, allow_nan=True))
    else:
        Console().print(_table(result))
