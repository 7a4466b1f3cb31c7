"""A self-contained HTML report (plotly inlined, works offline) of one backtest document."""

from __future__ import annotations

import html
import json
from itertools import accumulate
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["render_report", "write_report"]

_METRICS = (
    ("total_return", "Total return", "{:.2%}"),
    ("cagr", "CAGR", "{:.2%}"),
    ("sharpe", "Sharpe", "{:.2f}"),
    ("sortino", "Sortino", "{:.2f}"),
    ("max_drawdown", "Max drawdown", "{:.2%}"),
    ("calmar", "Calmar", "{:.2f}"),
    ("win_rate", "Win rate (closed trades)", "{:.1%}"),
    ("profit_factor", "Profit factor (trades)", "{:.2f}"),
    ("trades", "Trades", "{}"),
    ("exposure", "Exposure", "{:.1%}"),
    ("fees", "Fees paid", "${:,.0f}"),
    ("events", "Bus events", "{:,}"),
)


def _fmt(template: str, value: Any) -> str:
    return "n/a" if value is None else template.format(value)


def _equity_figure(daily: dict[str, list[Any]]) -> go.Figure:
    equity = daily["equity"]
    peaks = list(accumulate(equity, max))
    drawdown = [e / p - 1.0 if p else 0.0 for e, p in zip(equity, peaks, strict=True)]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
    fig.add_trace(go.Scatter(x=daily["day"], y=equity, name="equity"), row=1, col=1)
    fig.add_trace(
        go.Scatter(x=daily["day"], y=drawdown, name="drawdown", fill="tozeroy"), row=2, col=1
    )
    fig.update_yaxes(tickformat=".1%", row=2, col=1)
    fig.update_layout(title="Equity and drawdown", height=520)
    return fig


def _attribution_figure(daily: dict[str, list[Any]]) -> go.Figure:
    fig = go.Figure()
    for name in ("pnl", "pnl_delta", "pnl_gamma", "pnl_vega", "pnl_theta", "pnl_residual"):
        label = "total" if name == "pnl" else name.removeprefix("pnl_")
        fig.add_trace(go.Scatter(x=daily["day"], y=list(accumulate(daily[name])), name=label))
    fig.update_layout(
        title=(
            "Cumulative P&L attributed to the Greeks "
            "(delta*dS + 1/2*gamma*dS^2 + vega*dsigma + theta*dt, plus residual)"
        ),
        height=460,
    )
    return fig


def _greeks_figure(daily: dict[str, list[Any]]) -> go.Figure:
    names = ("delta", "gamma", "vega", "theta")
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, subplot_titles=names)
    for row, name in enumerate(names, start=1):
        fig.add_trace(go.Scatter(x=daily["day"], y=daily[name], name=name), row=row, col=1)
    fig.update_layout(
        title="Portfolio Greeks at each close (delta in units, vega per 1.00 vol, theta per day)",
        height=720,
        showlegend=False,
    )
    return fig


def _trades_table(trades: list[dict[str, Any]]) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("id", "structure", "opened", "closed", "exit", "P&amp;L", "fees", "why")
    )
    rows = []
    for t in trades:
        cells = (
            t["trade_id"],
            t["structure"],
            t["opened"],
            t["closed"] or "",
            t["exit"],
            f"{t['pnl']:,.2f}",
            f"{t['fees']:,.2f}",
            t["explanation"],
        )
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    body = "".join(rows)
    return f"<table class='trades'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#1b1b1b}
.banner{background:#fff3cd;border:1px solid #e0c36c;padding:10px 14px;font-weight:600}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;
font-size:13px;text-align:left;vertical-align:top}.trades td:last-child{max-width:640px}
"""


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _strategy_section(report: dict[str, Any]) -> str:
    """The strategy's own results (e.g. the swarm's agent track records), when it has any."""
    if not report:
        return ""
    rows, tables = [], []
    for key, value in report.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(value[0])
            head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
            body = "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(_cell(v.get(c)))}</td>" for c in columns)
                + "</tr>"
                for v in value
            )
            tables.append(f"<h3>{html.escape(key)}</h3><table><tr>{head}</tr>{body}</table>")
        else:
            text = value if isinstance(value, str) else json.dumps(value, default=str)
            rows.append(f"<tr><th>{html.escape(key)}</th><td>{html.escape(text)}</td></tr>")
    return f"<h2>Strategy report</h2><table>{''.join(rows)}</table>{''.join(tables)}"


def _walk_forward_section(report: dict[str, Any] | None) -> str:
    if not report:
        return ""
    rows = "".join(
        f"<tr><td>{f['train_start']} to {f['train_end']}</td><td>{f['test_start']} to "
        f"{f['test_end']}</td><td>{html.escape(f['chosen'])}</td>"
        f"<td>{f['candidates'][f['chosen']]:.2f}</td><td>{f['test_sharpe']:.2f}</td></tr>"
        for f in report["folds"]
    )
    oos = report["out_of_sample"]
    figures = "".join(
        f"<tr><th>{label}</th><td>{_fmt(fmt, oos.get(key))}</td></tr>"
        for key, label, fmt in _METRICS
        if key in oos
    )
    met = report.get("targets_out_of_sample", {})
    return (
        "<h2>Walk-forward (out of sample, after costs)</h2><table><tr><th>train</th>"
        "<th>test</th><th>chosen on training Sharpe</th><th>train Sharpe</th>"
        f"<th>test Sharpe</th></tr>{rows}</table><table>{figures}</table>"
        f"<p>Business targets met out of sample: {html.escape(str(met))}</p>"
    )


def render_report(document: dict[str, Any]) -> str:
    """The report as one HTML string (plotly.js inlined once)."""
    prov = document["provenance"]
    metrics = "".join(
        f"<tr><th>{label}</th><td>{_fmt(fmt, document.get(key))}</td></tr>"
        for key, label, fmt in _METRICS
    )
    daily = document["daily"]
    figures = [_equity_figure(daily), _attribution_figure(daily), _greeks_figure(daily)]
    charts = [
        fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figures)
    ]
    title = f"optionswarm backtest: {document['strategy']} on {document['underlying']}"
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p class='banner'>Data provenance: {html.escape(prov['description'])} "
        f"(underlying: {html.escape(prov['underlying_source'])}; seed {prov['seed']}). "
        "Fills at bid/ask with slippage and per-contract fees.</p>"
        f"<p>{document['start']} to {document['end']}, initial equity "
        f"${document['initial_equity']:,.0f}, final ${document['final_equity']:,.0f}.</p>"
        f"<table>{metrics}</table>{_walk_forward_section(document.get('walk_forward'))}"
        f"{''.join(charts)}"
        f"{_strategy_section(document.get('strategy_report', {}))}"
        f"<h2>Trades ({len(document['trades_table'])})</h2>"
        f"{_trades_table(document['trades_table'])}</body></html>"
    )


def write_report(document: dict[str, Any], path: Path) -> None:
    """Write the HTML report to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(document), encoding="utf-8")
