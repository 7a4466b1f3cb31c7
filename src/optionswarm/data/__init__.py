"""Market data: real underlyings, modelled and imported option chains, validation and replay."""

from optionswarm.data.calendar import is_trading_day, session_close_ns, trading_days
from optionswarm.data.chains import ChainModelConfig, ModelledChainBuilder
from optionswarm.data.expiries import ExpiryRules, ListedExpiry, listed_expiries
from optionswarm.data.quotes import SpreadModel
from optionswarm.data.sources import ArchDataSource, BarSeries, UnderlyingSource
from optionswarm.data.strikes import StrikeGrid, strike_grid
from optionswarm.data.svi import AtmVariance, SsviParams, SviSlice
from optionswarm.data.volmodel import GarchConfig, VolPath, build_vol_path

__all__ = [
    "ArchDataSource",
    "AtmVariance",
    "BarSeries",
    "ChainModelConfig",
    "ExpiryRules",
    "GarchConfig",
    "ListedExpiry",
    "ModelledChainBuilder",
    "SpreadModel",
    "SsviParams",
    "StrikeGrid",
    "SviSlice",
    "UnderlyingSource",
    "VolPath",
    "build_vol_path",
    "is_trading_day",
    "listed_expiries",
    "session_close_ns",
    "strike_grid",
    "trading_days",
]
