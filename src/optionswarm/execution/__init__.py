"""Execution: the order manager (state machine), the paper broker and its fill model, the store.

The risk-gate and execution-client ports (``RiskGate``, ``ExecutionClient``) are what the risk
engine and brokers implement; ``OrderManager`` owns the path intent -> gate -> client.
"""

from optionswarm.execution.events import (
    EXECUTION_NOTICES,
    ORDER_EVENTS,
    ExecutionNotice,
    OrderEvent,
    OrderRecord,
)
from optionswarm.execution.fill_model import (
    FillAt,
    LegQuote,
    NoFillError,
    PackagePrice,
    fill_price,
    limit_reached,
    package_units_available,
    price_package,
)
from optionswarm.execution.manager import DuplicateOrderIdError, OrderManager, UnknownOrderError
from optionswarm.execution.paper import PaperBroker, PaperBrokerConfig
from optionswarm.execution.ports import (
    AllowAllRiskGateStub,
    ExecutionClient,
    RiskGate,
    RiskOutcome,
    RiskVerdict,
)
from optionswarm.execution.positions import PositionBook, underlying_of
from optionswarm.execution.router import OrderRouter
from optionswarm.execution.simulated import SimulatedExecutionClient
from optionswarm.execution.states import (
    TERMINAL_STATES,
    WORKING_STATES,
    IllegalOrderTransitionError,
    OrderState,
    OrderTrigger,
    apply_order_trigger,
    transition_table,
)
from optionswarm.execution.store import ExecutionStore

__all__ = [
    "EXECUTION_NOTICES",
    "ORDER_EVENTS",
    "TERMINAL_STATES",
    "WORKING_STATES",
    "AllowAllRiskGateStub",
    "DuplicateOrderIdError",
    "ExecutionClient",
    "ExecutionNotice",
    "ExecutionStore",
    "FillAt",
    "IllegalOrderTransitionError",
    "LegQuote",
    "NoFillError",
    "OrderEvent",
    "OrderManager",
    "OrderRecord",
    "OrderRouter",
    "OrderState",
    "OrderTrigger",
    "PackagePrice",
    "PaperBroker",
    "PaperBrokerConfig",
    "PositionBook",
    "RiskGate",
    "RiskOutcome",
    "RiskVerdict",
    "SimulatedExecutionClient",
    "UnknownOrderError",
    "apply_order_trigger",
    "fill_price",
    "limit_reached",
    "package_units_available",
    "price_package",
    "transition_table",
    "underlying_of",
]
