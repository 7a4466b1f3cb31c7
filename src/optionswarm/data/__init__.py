"""Market data: real underlyings, modelled and imported option chains, validation and replay."""

from optionswarm.data.calendar import is_trading_day, session_close_ns, trading_days
from optionswarm.data.canonical import (
    CANONICAL_SCHEMA,
    DataFlag,
    snapshot_to_table,
    table_to_snapshot,
)
from optionswarm.data.chains import ChainModelConfig, ModelledChainBuilder
from optionswarm.data.expiries import ExpiryRules, ListedExpiry, listed_expiries
from optionswarm.data.importer import ChainImporter, ImportFailedError, ImportReport
from optionswarm.data.metrics import DataMetrics
from optionswarm.data.quotes import SpreadModel
from optionswarm.data.replay import (
    ReplayClock,
    ReplayFeed,
    ReplayOrderError,
    bar_events,
    modelled_chain_events,
    stored_chain_events,
)
from optionswarm.data.sources import ArchDataSource, BarSeries, UnderlyingSource
from optionswarm.data.strikes import StrikeGrid, strike_grid
from optionswarm.data.svi import AtmVariance, SsviParams, SviSlice
from optionswarm.data.validation import RejectReason, ValidationResult, ValidatorConfig, validate
from optionswarm.data.vendors import LAYOUTS, VendorLayout, load_layout, resolve_layout
from optionswarm.data.volmodel import GarchConfig, VolPath, build_vol_path

__all__ = [
    "CANONICAL_SCHEMA",
    "LAYOUTS",
    "ArchDataSource",
    "AtmVariance",
    "BarSeries",
    "ChainImporter",
    "ChainModelConfig",
    "DataFlag",
    "DataMetrics",
    "ExpiryRules",
    "GarchConfig",
    "ImportFailedError",
    "ImportReport",
    "ListedExpiry",
    "ModelledChainBuilder",
    "RejectReason",
    "ReplayClock",
    "ReplayFeed",
    "ReplayOrderError",
    "SpreadModel",
    "SsviParams",
    "StrikeGrid",
    "SviSlice",
    "UnderlyingSource",
    "ValidationResult",
    "ValidatorConfig",
    "VendorLayout",
    "VolPath",
    "bar_events",
    "build_vol_path",
    "is_trading_day",
    "listed_expiries",
    "load_layout",
    "modelled_chain_events",
    "resolve_layout",
    "session_close_ns",
    "snapshot_to_table",
    "stored_chain_events",
    "strike_grid",
    "table_to_snapshot",
    "trading_days",
    "validate",
]
