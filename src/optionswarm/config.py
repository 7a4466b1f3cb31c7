"""Settings: one object, from a TOML file and ``OPTIONSWARM_*`` environment variables.

Precedence (highest first): keyword arguments, environment (``OPTIONSWARM_BACKTEST__SEED=7``;
``__`` separates nesting levels), the TOML file, the defaults here. Every section is frozen and
rejects unknown keys; ``load_settings`` turns a validation failure into ``ConfigError`` whose
message names each offending key (``backtest.start: ...``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = [
    "ApiSettings",
    "BacktestSettings",
    "BusSettings",
    "ConfigError",
    "ExecutionSettings",
    "MemorySettings",
    "OversightSettings",
    "PortfolioSettings",
    "ReplaySettings",
    "RiskSettings",
    "Settings",
    "StorageSettings",
    "StrategyName",
    "StrategySettings",
    "load_settings",
]

StrategyName = Literal[
    "buy-and-hold", "sma-crossover", "covered-call", "short-put-spread", "swarm", "swarm-equal"
]


class ConfigError(ValueError):
    """The settings are invalid; the message names every bad key."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BusSettings(_Section):
    """Which message bus the node uses: in-process, or NATS JetStream (``bus.nats``) to scale.

    The NATS fields map onto ``NatsBusConfig``; ``bus.bus_from_settings`` builds the bus.
    """

    kind: Literal["inprocess", "nats"] = "inprocess"
    nats_servers: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    prefix: str = Field(default="osw", pattern=r"^[a-z0-9_-]+$")  # one per deployment
    consumer: str = Field(default="node", pattern=r"^[a-z0-9_-]+$")  # one per role
    replicas: int = Field(default=1, ge=1, le=5)  # stream replicas: 3 in a NATS cluster


class ExecutionSettings(_Section):
    """The minimal fill path: bid/ask fills plus slippage and per-contract fees."""

    fee_per_contract: float = Field(default=1.00, ge=0.0)  # commission + exchange fee, $
    fee_per_share: float = Field(default=0.0, ge=0.0)  # underlying trades, $ per share
    option_slippage: float = Field(default=0.05, ge=0.0)  # price units beyond bid/ask
    underlying_slippage_bps: float = Field(default=1.0, ge=0.0)
    latency_ms: float = Field(default=0.0, ge=0.0)  # paper broker: submit -> book, node clock
    displayed_size_limits: bool = True  # paper broker: displayed size caps a fill


class RiskSettings(_Section):
    """The risk engine's node-level knobs (limits keep ``optionswarm.risk`` defaults).

    Backtest-friendly: daily snapshots are not stale quotes (``max_quote_age_s`` None) and the
    breaker heartbeat ticks hourly on the simulated clock.
    """

    max_quote_age_s: float | None = Field(default=None, gt=0.0)
    stale_data_s: float | None = Field(default=None, gt=0.0)  # None: stale-data breaker off
    allow_market_orders: bool | None = None  # None: allowed in backtests only
    # per-order loss limits as fractions of the initial cash (risk's own defaults are in $)
    max_loss_fraction: float = Field(default=1.0, gt=0.0)
    allow_undefined_risk: bool = True
    # daily-loss / drawdown / loss-streak breakers need an operator reset: None = off in backtests
    loss_breakers: bool | None = None
    heartbeat_s: float = Field(default=3600.0, gt=0.0)
    flatten_on_kill: bool = False
    # portfolio Greek limits after an order, in the risk engine's dollar units (delta$ = delta x
    # spot x multiplier, gamma$ per 1 % move, vega $ per vol point, theta $ per day); None: none
    max_delta_dollars: float | None = Field(default=None, gt=0.0)
    max_gamma_dollars: float | None = Field(default=None, gt=0.0)
    max_vega_dollars: float | None = Field(default=None, gt=0.0)
    max_theta_dollars: float | None = Field(default=None, gt=0.0)


class OversightSettings(_Section):
    """Human approval of high-risk trades (``optionswarm.oversight.OversightConfig.from_settings``).

    ``enabled`` puts the approval queue into backtests; ``mode`` stands in for the human there.
    A ``None`` threshold switches its rule off.
    """

    enabled: bool = False
    mode: Literal["human", "approve_all", "reject_all", "approve_under_max_loss"] = "approve_all"
    ttl_s: float = Field(default=900.0, gt=0.0)
    four_eyes_max_loss_above: float | None = Field(default=25_000.0, ge=0.0)
    price_tolerance: float = Field(default=0.005, ge=0.0)
    spot_tolerance: float = Field(default=0.01, ge=0.0)
    auto_approve_max_loss: float = Field(default=10_000.0, ge=0.0)
    max_loss_above: float | None = Field(default=5_000.0, ge=0.0)
    notional_above: float | None = Field(default=1_000_000.0, ge=0.0)
    undefined_risk: bool = True
    confidence_below: float | None = Field(default=0.55, ge=0.0, le=1.0)
    while_reducing: bool = True
    first_trade_in_underlying: bool = True
    veto_agents: tuple[str, ...] = ("calendar",)
    veto_conviction: float = Field(default=0.5, ge=0.0, le=1.0)
    manual_quantity_above: int | None = Field(default=0, ge=0)


class PortfolioSettings(_Section):
    """Starting capital."""

    initial_cash: float = Field(default=1_000_000.0, gt=0.0)


class StrategySettings(_Section):
    """The reference strategy and its parameters (deltas are absolute values)."""

    name: StrategyName = "short-put-spread"
    target_delta: float = Field(default=0.20, gt=0.0, lt=1.0)  # short leg / covered call
    wing_delta: float = Field(default=0.10, gt=0.0, lt=1.0)  # long protective leg
    target_dte: int = Field(default=35, ge=1, le=400)
    max_dte_error: int = Field(default=10, ge=0)  # how far from target_dte an expiry may be
    exit_dte: int = Field(default=0, ge=0)  # close this many days before expiry (0: settle)
    take_profit: float = Field(default=0.5, ge=0.0, le=1.0)  # close at this share of credit
    risk_fraction: float = Field(default=0.10, gt=0.0, le=1.0)  # max loss per trade / equity
    sma_fast: int = Field(default=20, ge=1)
    sma_slow: int = Field(default=50, ge=2)
    warmup_sessions: int = Field(default=504, ge=0)  # swarm: earlier sessions replayed first

    @model_validator(mode="after")
    def _check_relations(self) -> StrategySettings:
        if self.wing_delta >= self.target_delta:
            raise ValueError("wing_delta must be below target_delta (the wing is further OTM)")
        if self.sma_fast >= self.sma_slow:
            raise ValueError("sma_fast must be below sma_slow")
        return self


class BacktestSettings(_Section):
    """What to replay and with which seed."""

    underlying: str = "sp500"
    start: dt.date = dt.date(2014, 1, 1)
    end: dt.date = dt.date(2018, 12, 31)
    seed: int = 7
    modelled_chains: bool = True

    @model_validator(mode="after")
    def _check_window(self) -> BacktestSettings:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class StorageSettings(_Section):
    """Where ``optionswarm run`` keeps orders, fills, positions, breakers, approvals and the audit
    log: ``url`` None = SQLite files in the run's directory; a SQLAlchemy URL (e.g.
    ``postgresql+psycopg://host/db``) = that server, its schema brought up to date by the Alembic
    migrations, each run's tables under the run's own prefix."""

    url: str | None = None


class MemorySettings(_Section):
    """Where agent memory lives (``lancedb://DIR``, ``postgresql://...`` for pgvector,
    ``memory://``) and how situations are embedded; see ``agents.slow.memory_store``."""

    url: str = "lancedb://var/agent-memory"
    table: str = Field(default="agent_memory", pattern=r"^[a-z_][a-z0-9_]{0,47}$")
    embedder: Literal["default", "hashing", "minilm"] = "default"
    ef_search: int = Field(default=100, ge=1, le=1000)


class ReplaySettings(_Section):
    """What ``optionswarm run`` replays in paper mode: real bars, modelled chains, paced.

    ``speed``: trading sessions per second of wall time. ``hold_for_approvals``: the replay does
    not move to the next session while an approval request is open (at most ``hold_limit_s``
    wall seconds; None: the request's time-to-live, ``oversight.ttl_s``, so that the countdown a
    person sees is the time they have), so a person has time to decide; an undecided request then
    expires on the node's clock like any other (its time-to-live is shorter than a session).
    """

    start: dt.date = dt.date(2018, 1, 2)
    end: dt.date = dt.date(2018, 12, 31)
    speed: float = Field(default=1.0, gt=0.0, le=10_000.0)
    hold_for_approvals: bool = True
    hold_limit_s: float | None = Field(default=None, gt=0.0)
    start_paused: bool = False
    cancel_working_on_stop: bool = True  # False: working orders stay in the execution store

    @model_validator(mode="after")
    def _check_window(self) -> ReplaySettings:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        return self


class ApiSettings(_Section):
    """The HTTP service: bound to loopback by default, CORS off, tokens short-lived.

    Secrets never live here: the token signing secret comes from ``OPTIONSWARM_API_SECRET`` or
    ``secret_file``; users (name, role, argon2 hash) from ``users_file``.
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    state_dir: Path = Path("var/state")
    users_file: Path | None = None
    secret_file: Path | None = None
    token_ttl_s: int = Field(default=900, ge=30, le=86_400)
    rate_limit_per_minute: int = Field(default=1200, ge=1)
    login_per_minute: int = Field(default=20, ge=1)  # per address: each attempt costs a hash
    max_body_bytes: int = Field(default=65_536, ge=1024)
    cors_origins: tuple[str, ...] = ()


class Settings(BaseSettings):
    """Everything a ``TradingNode`` needs, in one frozen object."""

    model_config = SettingsConfigDict(
        env_prefix="OPTIONSWARM_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        toml_file=None,
    )

    mode: Literal["backtest", "paper", "live"] = "backtest"
    bus: BusSettings = BusSettings()
    execution: ExecutionSettings = ExecutionSettings()
    portfolio: PortfolioSettings = PortfolioSettings()
    strategy: StrategySettings = StrategySettings()
    backtest: BacktestSettings = BacktestSettings()
    risk: RiskSettings = RiskSettings()
    oversight: OversightSettings = OversightSettings()
    replay: ReplaySettings = ReplaySettings()
    api: ApiSettings = ApiSettings()
    memory: MemorySettings = MemorySettings()
    storage: StorageSettings = StorageSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then environment, then the TOML file (if given)."""
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(root)"
        if item["type"] == "extra_forbidden":
            lines.append(f"{key}: unknown key")
        else:
            lines.append(f"{key}: {item['msg']}")
    return "invalid settings: " + "; ".join(lines)


def _unknown_environment_keys(environ: Mapping[str, str]) -> list[str]:
    """Nested variables (``OPTIONSWARM_SECTION__KEY``) whose section does not exist.

    Flat variables such as ``OPTIONSWARM_DATA_DIR`` belong to subsystem commands and are left
    alone; unknown keys inside a known section are rejected by validation itself.
    """
    prefix = "OPTIONSWARM_"
    known = {name.upper() for name in Settings.model_fields}
    unknown = []
    for variable in environ:
        if variable.upper().startswith(prefix) and "__" in variable:
            head = variable[len(prefix) :].split("__", 1)[0].upper()
            if head not in known:
                unknown.append(f"{variable}: unknown key {head.lower()!r}")
    return sorted(unknown)


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from ``path`` (TOML, optional), the environment and ``overrides``.

    Raises ``ConfigError`` naming each bad key; a missing file is an error too.
    """
    if path is not None and not path.is_file():
        raise ConfigError(f"settings file {path} does not exist")
    unknown = _unknown_environment_keys(os.environ)
    if unknown:
        raise ConfigError("invalid settings: " + "; ".join(unknown))

    class _FromFile(Settings):
        model_config = SettingsConfigDict(toml_file=path)

    try:
        loaded = _FromFile(**overrides)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    except ValueError as exc:  # e.g. malformed TOML or env JSON
        raise ConfigError(f"invalid settings: {exc}") from None
    return Settings.model_construct(
        **{name: getattr(loaded, name) for name in Settings.model_fields}
    )
