"""optionswarm: an AI-assisted options trading system.

A swarm of agents forms views, a track-record-weighted consensus turns them into a decision,
a strategy builds an options structure, a risk engine that nothing bypasses gates every order,
a human approves what policy marks as high-risk, and every step lands in a tamper-evident
audit log. See DESIGN.md for the architecture.
"""

from optionswarm._version import __version__
from optionswarm.monitoring.logs import install_default_logging

install_default_logging()

__all__ = ["__version__"]
