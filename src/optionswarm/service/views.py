"""What the service returns and accepts: pydantic models shared by the API, the CLI and the docs.

Times are UTC nanosecond ints (``*_ns``), money is dollars as floats. A number the system may not
know yet (an implied volatility that did not solve, a Greek before the first mark) is ``null``,
never ``NaN``: JSON has no NaN. Request models reject unknown fields.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from optionswarm.service.config_schema import ConfigChanges


def _finite_or_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Num = Annotated[float | None, BeforeValidator(_finite_or_none)]
Role = Literal["viewer", "trader", "approver", "admin"]
_ID = r"^[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}$"
_SYMBOL = r"^[A-Za-z0-9^][A-Za-z0-9 ._^\-]{0,31}$"


class View(BaseModel):
    """Base of every response model."""

    model_config = ConfigDict(frozen=True)


class Request(BaseModel):
    """Base of every request model: unknown fields and loose types (``"1"`` for 1) are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


def _iso_date(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a YYYY-MM-DD date") from None
    raise ValueError("a date must be a YYYY-MM-DD string")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


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
    symbol: str = Field(pattern=_SYMBOL, description="an OSI option symbol or the underlying")
    side: Literal["buy", "sell"]
    ratio: int = Field(default=1, ge=1, le=100)


class SubmitOrder(Request):
    """A manual order: it goes through risk and policy like any other."""

    underlying: str = Field(pattern=_SYMBOL)
    legs: list[LegRequest] = Field(min_length=1, max_length=8)
    quantity: int = Field(ge=1, le=100_000)
    limit_price: float | None = Field(default=None, allow_inf_nan=False, ge=-1e7, le=1e7)
    tif: Literal["day", "gtc"] = "day"
    structure: str = Field(default="custom", pattern=r"^[a-z0-9_\-]{1,64}$")
    client_order_id: str | None = Field(default=None, pattern=_ID)


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


# -- chain ------------------------------------------------------------------------------------
class ChainRow(View):
    symbol: str
    expiry: str
    dte: Num
    strike: Num
    right: Literal["C", "P"]
    bid: Num
    ask: Num
    mid: Num
    iv: Num
    delta: Num
    gamma: Num
    vega: Num
    theta: Num


class Chain(View):
    underlying: str
    ts_ns: int | None
    spot: Num
    modelled: bool = True
    expiries: list[str]
    rows: list[ChainRow]


# -- audit ------------------------------------------------------------------------------------
class AuditRecordView(View):
    seq: int
    kind: str
    ts_ns: int
    payload: Any
    leaf_hash: str


class AuditPage(View):
    size: int
    records: list[AuditRecordView]


class AuditVerify(View):
    ok: bool
    size: int
    root: str | None
    checked: int
    reasons: list[str]


class Checkpoint(View):
    log_id: str
    size: int
    ts_ns: int
    root: str
    key_id: str
    signature: str


class AuditProof(View):
    seq: int
    leaf_hash: str
    size: int
    root: str
    path: list[str]
    checkpoint: Checkpoint
    public_key: str
    verified: bool


# -- backtests and config ---------------------------------------------------------------------
class BacktestRequest(Request):
    strategy: Literal[
        "buy-and-hold", "sma-crossover", "covered-call", "short-put-spread", "swarm", "swarm-equal"
    ] = "short-put-spread"
    underlying: str = Field(
        default="sp500", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_]+$"
    )
    start: IsoDate
    end: IsoDate = Field(description="after start")

    @model_validator(mode="after")
    def _window(self) -> BacktestRequest:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class Job(View):
    job_id: str
    state: Literal["queued", "running", "done", "failed"]
    progress: float
    params: dict[str, str]
    created_ns: int
    started_ns: int | None = None
    finished_ns: int | None = None
    error: str | None = None
    submitted_by: str = ""


class ConfigView(View):
    settings: dict[str, Any]
    pending_changes: dict[str, Any]
    note: str


class ConfigPatch(Request):
    changes: ConfigChanges  # type: ignore[valid-type]  # built from Settings at import


class ConfigPatchResult(View):
    applied: dict[str, Any]
    pending_changes: dict[str, Any]
    takes_effect: Literal["restart"] = "restart"
    note: str
