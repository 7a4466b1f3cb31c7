"""What the service returns and accepts: pydantic models shared by the API, the CLI and the docs.

Times are UTC nanosecond ints (``*_ns``), money is dollars as floats. A number the system may not
know yet (an implied volatility that did not solve, a Greek before the first mark) is ``null``,
never ``NaN``: JSON has no NaN. Request models reject unknown fields.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from optionswarm.service.views_base import (
    ID_PATTERN,
    SYMBOL_PATTERN,
    IsoDate,
    Num,
    Request,
    Role,
    View,
)
from optionswarm.service.views_records import (
    AuditPage,
    AuditProof,
    AuditRecordView,
    AuditVerify,
    BacktestRequest,
    Chain,
    ChainRow,
    Checkpoint,
    ConfigPatch,
    ConfigPatchResult,
    ConfigView,
    Job,
)

__all__ = [
    "AuditPage",
    "AuditProof",
    "AuditRecordView",
    "AuditVerify",
    "BacktestRequest",
    "Chain",
    "ChainRow",
    "Checkpoint",
    "ConfigPatch",
    "ConfigPatchResult",
    "ConfigView",
    "IsoDate",
    "Job",
    "Num",
    "Request",
    "Role",
    "View",
]


# -- errors, health, auth ---------------------------------------------------------------------
class ErrorDetail(View):
    """A machine-readable code and a sentence."""

    code: str
    message: str


class ErrorBody(View):
    """Every 4xx body."""

    detail: ErrorDetail | str


class Health(View):
    status: Literal["ok"] = "ok"
    version: str


class Ready(View):
    ready: bool
    components: dict[str, str]


class LoginRequest(Request):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class Token(View):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    username: str
    role: Role


class Me(View):
    username: str
    role: Role
    permissions: list[str]


# -- status, replay, portfolio ----------------------------------------------------------------
class ReplayStatus(View):
    model_config = ConfigDict(frozen=True, extra="ignore")

    state: Literal["ready", "running", "paused", "holding", "finished", "stopped", "failed"]
    speed: float
    ts_ns: int
    sessions_done: int
    sessions_total: int
    underlying: str
    modelled: bool = True
    error: str = ""


class Status(View):
    mode: str
    ts_ns: int
    trading_state: str
    kill_engaged: bool
    replay: ReplayStatus | None
    equity: Num
    pnl_today: Num
    pending_approvals: int
    modelled_data: bool = True


class Greeks(View):
    delta: Num = None
    gamma: Num = None
    vega: Num = None
    theta: Num = None


class EquityPoint(View):
    ts_ns: int
    equity: Num


class Portfolio(View):
    ts_ns: int
    equity: Num
    cash: Num
    pnl_today: Num
    realized_pnl: Num
    unrealized_pnl: Num
    greeks: Greeks
    limits: Greeks
    margin: Num
    buying_power: Num
    equity_curve: list[EquityPoint]


class Position(View):
    symbol: str
    underlying: str
    kind: Literal["option", "underlying"]
    right: Literal["C", "P"] | None
    strike: Num
    expiry: str | None
    dte: Num
    quantity: int
    avg_price: Num
    mark: Num
    market_value: Num
    unrealized_pnl: Num
    delta: Num
    gamma: Num
    vega: Num
    theta: Num
    structure_id: str | None = None
    max_loss: Num = None


class Structure(View):
    structure_id: str
    structure: str
    legs: list[str]
    max_loss: Num
    pnl: Num
    greeks: Greeks


# -- orders and fills -------------------------------------------------------------------------
class Leg(View):
    symbol: str
    side: Literal["buy", "sell"]
    ratio: int


class Order(View):
    client_order_id: str
    state: str
    underlying: str
    structure: str
    source: str
    legs: list[Leg]
    quantity: int
    limit_price: Num
    tif: str
    filled_quantity: int
    avg_fill_price: Num
    created_ns: int
    updated_ns: int
    reason_code: str
    reason: str


class LegRequest(Request):
    symbol: str = Field(
        pattern=SYMBOL_PATTERN, description="an OSI option symbol or the underlying"
    )
    side: Literal["buy", "sell"]
    ratio: int = Field(default=1, ge=1, le=100)


class SubmitOrder(Request):
    """A manual order: it goes through risk and policy like any other."""

    underlying: str = Field(pattern=SYMBOL_PATTERN)
    legs: list[LegRequest] = Field(min_length=1, max_length=8)
    quantity: int = Field(ge=1, le=100_000)
    limit_price: float | None = Field(default=None, allow_inf_nan=False, ge=-1e7, le=1e7)
    tif: Literal["day", "gtc"] = "day"
    structure: str = Field(default="custom", pattern=r"^[a-z0-9_\-]{1,64}$")
    client_order_id: str | None = Field(default=None, pattern=ID_PATTERN)


class Fill(View):
    fill_id: str
    client_order_id: str
    symbol: str
    side: Literal["buy", "sell"]
    quantity: int
    price: Num
    fee: Num
    ts_ns: int


# -- agents and decisions ---------------------------------------------------------------------
class AgentView(View):
    direction: str
    probability: Num
    conviction: Num
    vol_view: str
    rationale: str
    ts_ns: int
    abstain_reason: str | None


class TrackRecordView(View):
    calls: int
    brier: Num
    hit_rate: Num


class Agent(View):
    agent_id: str
    kind: Literal["fast", "slow"]
    weight: Num
    latest: AgentView | None
    track_record: TrackRecordView


class Contribution(View):
    agent_id: str
    weight: Num
    contribution: Num
    direction: str
    conviction: Num
    abstained: bool
    rationale: str


class DecisionView(View):
    decision_id: str
    ts_ns: int
    underlying: str
    direction: str
    vol_view: str
    confidence: Num
    disagreement: Num
    reason_code: str
    explanation: str
    contributions: list[Contribution]


# -- approvals --------------------------------------------------------------------------------
class ReasonView(View):
    code: str
    message: str


class RiskCheck(View):
    check: str
    passed: bool
    messages: list[str]


class ApprovalDecision(View):
    decision_id: str
    explanation: str
    confidence: Num
    reason_code: str
    opinions: list[Contribution]


class Approval(View):
    request_id: str
    client_order_id: str
    status: str
    reasons: list[ReasonView]
    underlying: str
    structure: str
    legs: list[Leg]
    quantity: int
    limit_price: Num
    max_loss: Num
    margin: Num
    greeks_before: Greeks
    greeks_after: Greeks
    spot: Num
    package_mid: Num
    decision: ApprovalDecision | None
    risk_checks: list[RiskCheck]
    trading_state: str
    placed_by: str | None
    required_approvals: int
    approvers: list[str]
    created_ns: int
    expires_ns: int
    decided_ns: int | None
    decided_by: str | None
    decision_code: str
    comment: str


class DecisionComment(Request):
    comment: str = Field(default="", max_length=2000)


# -- risk -------------------------------------------------------------------------------------
class Breaker(View):
    name: str
    tripped: bool
    reason: str | None
    code: str | None
    forces: str
    tripped_ns: int | None
    needs_reset: bool


class Risk(View):
    ts_ns: int
    trading_state: str
    kill_engaged: bool
    breakers: list[Breaker]
    limits: dict[str, Num]
    usage: dict[str, Num]
    greeks: Greeks
    equity: Num
    margin_capital: Num
    buying_power: Num


class ReasonRequest(Request):
    reason: str = Field(min_length=1, max_length=500)


class RiskAction(View):
    """What an operator action did; ``risk`` is the state after it."""

    action: str
    actor: str
    risk: Risk
