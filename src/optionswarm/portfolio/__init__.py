"""Portfolio: positions, cash, P&L, portfolio Greeks and trade round trips."""

from optionswarm.portfolio.greeks import ContractRisk, contract_risks
from optionswarm.portfolio.ledger import Trade, TradeLedger
from optionswarm.portfolio.portfolio import OPTION_MULTIPLIER, Portfolio

__all__ = [
    "OPTION_MULTIPLIER",
    "ContractRisk",
    "Portfolio",
    "Trade",
    "TradeLedger",
    "contract_risks",
]
