"""Why a model call produced no answer; each error carries the abstention reason code.

::

    LLMError (reason_code)                 never retried inside a run; the agent abstains
    +-- ModelUnavailableError   model_unavailable   engine absent, file missing, server down
    +-- LLMTimeoutError         timeout             the call passed its deadline
    +-- BudgetExhaustedError    budget_exhausted    the run's token or wall-clock budget is spent
    +-- InvalidOutputError      invalid_output      not JSON, not the schema, out of range
"""

from __future__ import annotations

from typing import ClassVar, Final

__all__ = [
    "BUDGET_EXHAUSTED",
    "BudgetExhaustedError",
    "InvalidOutputError",
    "LLMError",
    "LLMTimeoutError",
    "ModelUnavailableError",
]

BUDGET_EXHAUSTED: Final = "budget_exhausted"


class LLMError(RuntimeError):
    """A model call gave no usable answer; ``reason_code`` says why (a ``Reason`` code)."""

    reason_code: ClassVar[str] = "agent_error"


class ModelUnavailableError(LLMError):
    """The engine library, the model file or the server is absent or unreachable."""

    reason_code: ClassVar[str] = "model_unavailable"


class LLMTimeoutError(LLMError):
    """The call did not finish before its deadline."""

    reason_code: ClassVar[str] = "timeout"


class BudgetExhaustedError(LLMError):
    """The run's token or wall-clock budget is spent: fail closed."""

    reason_code: ClassVar[str] = BUDGET_EXHAUSTED


class InvalidOutputError(LLMError):
    """The answer is not valid JSON, breaks the schema or is out of range."""

    reason_code: ClassVar[str] = "invalid_output"
