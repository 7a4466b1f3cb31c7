"""Views of the chain, the audit log, backtest jobs and the configuration."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from optionswarm.service.config_schema import ConfigChanges
from optionswarm.service.views_base import IsoDate, Num, Request, View

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
    "Job",
]


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
