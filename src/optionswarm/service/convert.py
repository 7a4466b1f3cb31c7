"""Domain objects -> service views (pure functions: no node, no I/O)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from optionswarm.engine.contracts import is_option_symbol, parse_contract
from optionswarm.execution import OrderRecord
from optionswarm.model import ChainSnapshot, Decision, Fill, OrderLeg, underlying_for_root
from optionswarm.model import Position as DomainPosition
from optionswarm.oversight.types import ApprovalRequest, DecisionInfo
from optionswarm.portfolio.greeks import ContractRisk
from optionswarm.portfolio.ledger import Trade
from optionswarm.risk.market import OptionMark, UnderlyingMark
from optionswarm.service import views as v

__all__ = [
    "approval_view",
    "chain_rows",
    "chain_view",
    "decision_view",
    "dollar_greeks",
    "fill_view",
    "greeks_of",
    "order_view",
    "position_view",
    "structure_views",
]

_NS_PER_DAY = 86_400 * 1_000_000_000


def _day(ts_ns: int) -> str:
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).date().isoformat()


def greeks_of(values: Sequence[float]) -> v.Greeks:
    """A (delta, gamma, vega, theta) tuple as a view."""
    return v.Greeks(delta=values[0], gamma=values[1], vega=values[2], theta=values[3])


def _legs(legs: Iterable[OrderLeg]) -> list[v.Leg]:
    return [v.Leg(symbol=leg.symbol, side=leg.side.value, ratio=leg.ratio) for leg in legs]


def order_view(record: OrderRecord, avg_fill_price: float | None) -> v.Order:
    """An order record with its fills' average price."""
    intent = record.intent
    return v.Order(
        client_order_id=intent.client_order_id,
        state=record.state.value,
        underlying=intent.underlying,
        structure=intent.structure,
        source=intent.source,
        legs=_legs(intent.legs),
        quantity=intent.quantity,
        limit_price=intent.limit_price,
        tif=intent.tif.value.lower(),
        filled_quantity=record.filled_quantity,
        avg_fill_price=avg_fill_price,
        created_ns=record.created_ns,
        updated_ns=record.updated_ns,
        reason_code=record.reason_code,
        reason=record.message,
    )


def fill_view(fill: Fill) -> v.Fill:
    """A fill as a view."""
    return v.Fill(
        fill_id=fill.fill_id,
        client_order_id=fill.client_order_id,
        symbol=fill.symbol,
        side=fill.side.value,
        quantity=fill.quantity,
        price=fill.price,
        fee=fill.fee,
        ts_ns=fill.ts_ns,
    )


def dollar_greeks(
    position: DomainPosition, option: OptionMark | None, underlying: UnderlyingMark | None
) -> tuple[float, float, float, float] | None:
    """A position's Greeks in the risk engine's dollar units (delta$ = delta x S x m, gamma$
    per 1 % move, vega per vol point, theta per day), so that positions, the portfolio, the
    limits and the chain all speak one unit; None without a mark."""
    q = position.quantity
    if option is not None:
        return (q * option.delta, q * option.gamma, q * option.vega, q * option.theta)
    if underlying is not None:
        return (q * underlying.spot, 0.0, 0.0, 0.0)
    return None


def position_view(
    position: DomainPosition,
    risk: ContractRisk | None,
    now_ns: int,
    structure_id: str | None,
    greeks: tuple[float, float, float, float] | None = None,
) -> v.Position:
    """A held symbol with its mark and position Greeks (``greeks``: dollar Greeks from
    :func:`dollar_greeks`; None leaves them unknown)."""
    weight = position.quantity * position.multiplier
    mark = risk.mark if risk is not None else None
    value = None if mark is None else weight * mark
    pnl = None if mark is None else weight * (mark - position.avg_price)
    option = is_option_symbol(position.symbol)
    right = strike = expiry = dte = None
    if option:
        terms = parse_contract(position.symbol)
        right = "C" if terms.is_call else "P"
        strike = terms.strike
        expiry = _day(terms.expiry_ns)
        dte = (terms.expiry_ns - now_ns) / _NS_PER_DAY
    return v.Position(
        symbol=position.symbol,
        underlying=position.underlying,
        kind="option" if option else "underlying",
        right=right,
        strike=strike,
        expiry=expiry,
        dte=dte,
        quantity=position.quantity,
        avg_price=position.avg_price,
        mark=mark,
        market_value=value,
        unrealized_pnl=pnl,
        delta=None if greeks is None else greeks[0],
        gamma=None if greeks is None else greeks[1],
        vega=None if greeks is None else greeks[2],
        theta=None if greeks is None else greeks[3],
        structure_id=structure_id,
    )


def structure_views(
    trades: Iterable[Trade], positions: Mapping[str, v.Position]
) -> list[v.Structure]:
    """Open trades (order tags) with their legs' summed position Greeks."""
    out = []
    for trade in trades:
        legs = [positions[s] for s in trade.symbols if s in positions]
        greeks = [0.0, 0.0, 0.0, 0.0]
        for leg in legs:
            for i, value in enumerate((leg.delta, leg.gamma, leg.vega, leg.theta)):
                greeks[i] += value or 0.0
        out.append(
            v.Structure(
                structure_id=trade.trade_id,
                structure=trade.structure,
                legs=list(trade.symbols),
                max_loss=None,
                pnl=trade.pnl,
                greeks=greeks_of(greeks),
            )
        )
    return out


def decision_view(decision: Decision) -> v.DecisionView:
    """A swarm decision with every agent's contribution."""
    return v.DecisionView(
        decision_id=decision.decision_id,
        ts_ns=decision.ts_ns,
        underlying=decision.underlying,
        direction=decision.direction.value,
        vol_view=decision.vol_view.value,
        confidence=decision.confidence,
        disagreement=decision.disagreement,
        reason_code=decision.reason_code,
        explanation=decision.explanation,
        contributions=[
            v.Contribution(
                agent_id=c.agent_id,
                weight=c.weight,
                contribution=c.contribution,
                direction=c.view.direction.value,
                conviction=c.view.conviction,
                abstained=c.view.is_abstention,
                rationale=c.view.rationale,
            )
            for c in decision.contributions
        ],
    )


def _approval_decision(info: DecisionInfo | None) -> v.ApprovalDecision | None:
    if info is None:
        return None
    return v.ApprovalDecision(
        decision_id=info.decision_id,
        explanation=info.explanation,
        confidence=info.confidence,
        reason_code=info.reason_code,
        opinions=[
            v.Contribution(
                agent_id=o.agent_id,
                weight=o.weight,
                contribution=o.contribution,
                direction=o.direction,
                conviction=o.conviction,
                abstained=o.abstained,
                rationale=o.rationale,
            )
            for o in info.opinions
        ],
    )


def approval_view(request: ApprovalRequest) -> v.Approval:
    """What an approver is shown."""
    intent = request.intent
    return v.Approval(
        request_id=request.request_id,
        client_order_id=request.client_order_id,
        status=request.status.value,
        reasons=[v.ReasonView(code=r.code, message=r.message) for r in request.reasons],
        underlying=intent.underlying,
        structure=request.structure,
        legs=_legs(intent.legs),
        quantity=intent.quantity,
        limit_price=intent.limit_price,
        max_loss=request.max_loss,
        margin=request.margin,
        greeks_before=greeks_of(request.greeks_before),
        greeks_after=greeks_of(request.greeks_after),
        spot=request.spot,
        package_mid=request.package_mid,
        decision=_approval_decision(request.decision),
        risk_checks=[
            v.RiskCheck(check=c.check, passed=c.passed, messages=list(c.messages))
            for c in request.risk_checks
        ],
        trading_state=request.trading_state,
        placed_by=request.placed_by,
        required_approvals=request.required_approvals,
        approvers=list(request.approvers),
        created_ns=request.created_ns,
        expires_ns=request.expires_ns,
        decided_ns=request.decided_ns,
        decided_by=request.decided_by,
        decision_code=request.decision_code,
        comment=request.comment,
    )


def chain_view(name: str, chain: ChainSnapshot, marks: Iterable[OptionMark]) -> v.Chain:
    """The chain's rows: the risk engine's marks (dollar Greeks) taken at the chain's time."""
    options = underlying_for_root(str(chain.root[0])) if len(chain) else chain.underlying
    rows = chain_rows(
        (m for m in marks if m.underlying == options and m.ts_ns == chain.ts_ns), chain.ts_ns
    )
    return v.Chain(
        underlying=name,
        ts_ns=chain.ts_ns,
        spot=chain.spot,
        modelled=True,
        expiries=sorted({r.expiry for r in rows}),
        rows=rows,
    )


def chain_rows(marks: Iterable[OptionMark], now_ns: int) -> list[v.ChainRow]:
    """Option marks as chain rows, by expiry, strike, then calls before puts."""
    rows = []
    for m in sorted(marks, key=lambda m: (m.expiry_ns, m.strike, not m.is_call)):
        rows.append(
            v.ChainRow(
                symbol=m.symbol,
                expiry=_day(m.expiry_ns),
                dte=(m.expiry_ns - now_ns) / _NS_PER_DAY,
                strike=m.strike,
                right="C" if m.is_call else "P",
                bid=m.bid,
                ask=m.ask,
                mid=m.mid,
                iv=m.iv,
                delta=m.delta,
                gamma=m.gamma,
                vega=m.vega,
                theta=m.theta,
            )
        )
    return rows
