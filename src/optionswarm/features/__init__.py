"""Rolling features per underlying, updated incrementally from bars and chain snapshots.

``FeatureEngine`` keeps returns, realised vol (several windows), a price z-score, ATM IV at a
short and a long tenor (from the chain), IV rank / percentile over a trailing window, skew
(90/110 moneyness) and the term-structure slope. Updates cost O(1) in history length; a stale
(earlier-stamped) update is refused.
"""

from optionswarm.features.chain import ChainVol, ChainVolConfig, chain_vol
from optionswarm.features.engine import FeatureConfig, FeatureEngine, Features
from optionswarm.features.rolling import RingBuffer, RollingMoments, RollingRank

__all__ = [
    "ChainVol",
    "ChainVolConfig",
    "FeatureConfig",
    "FeatureEngine",
    "Features",
    "RingBuffer",
    "RollingMoments",
    "RollingRank",
    "chain_vol",
]
