"""Execution: the risk-gate and execution-client ports, the router between them, a fill path."""

from optionswarm.execution.ports import (
    AllowAllRiskGateStub,
    ExecutionClient,
    RiskGate,
    RiskOutcome,
    RiskVerdict,
)
from optionswarm.execution.router import OrderRouter
from optionswarm.execution.simulated import SimulatedExecutionClient

__all__ = [
    "AllowAllRiskGateStub",
    "ExecutionClient",
    "OrderRouter",
    "RiskGate",
    "RiskOutcome",
    "RiskVerdict",
    "SimulatedExecutionClient",
]
