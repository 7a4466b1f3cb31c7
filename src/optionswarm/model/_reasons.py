"""Reason codes: the one place where machine-readable reasons are listed and explained.

A reason code is a plain lower-case snake_case string (1-64 characters), so it reads well in JSON,
logs and the audit trail. The model checks the format only; the codes below are the ones the
project uses, and a subsystem that needs a new one adds it here with its sentence.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ABSTAIN_REASONS", "DECISION_REASONS", "REASON_CODES", "Reason"]


class Reason:
    """Namespace of reason-code constants (``Reason.TIMEOUT == "timeout"``)."""

    # -- why an agent abstains (View.abstain_reason) --
    TIMEOUT: Final = "timeout"
    MODEL_UNAVAILABLE: Final = "model_unavailable"
    INVALID_OUTPUT: Final = "invalid_output"
    INSUFFICIENT_DATA: Final = "insufficient_data"
    STALE_DATA: Final = "stale_data"
    LOW_CONFIDENCE: Final = "low_confidence"
    AGENT_DISABLED: Final = "agent_disabled"
    AGENT_ERROR: Final = "agent_error"
    # -- why the consensus decided as it did (Decision.reason_code) --
    CONSENSUS: Final = "consensus"
    NO_QUORUM: Final = "no_quorum"
    ALL_ABSTAINED: Final = "all_abstained"
    HIGH_DISAGREEMENT: Final = "high_disagreement"
    BELOW_CONFIDENCE_THRESHOLD: Final = "below_confidence_threshold"


ABSTAIN_REASONS: Final[dict[str, str]] = {
    Reason.TIMEOUT: "the agent did not answer within its time budget",
    Reason.MODEL_UNAVAILABLE: "the model or service behind the agent is absent or not loaded",
    Reason.INVALID_OUTPUT: "the agent's output failed parsing or validation",
    Reason.INSUFFICIENT_DATA: "not enough history or inputs to form a view",
    Reason.STALE_DATA: "the inputs are older than the agent accepts",
    Reason.LOW_CONFIDENCE: "the agent's own confidence is below its threshold",
    Reason.AGENT_DISABLED: "the agent is switched off by configuration",
    Reason.AGENT_ERROR: "the agent raised an unexpected error",
}

DECISION_REASONS: Final[dict[str, str]] = {
    Reason.CONSENSUS: "the weighted views agree enough to act",
    Reason.NO_QUORUM: "too few live, non-abstaining views",
    Reason.ALL_ABSTAINED: "every agent abstained",
    Reason.HIGH_DISAGREEMENT: "the views disagree beyond the configured limit",
    Reason.BELOW_CONFIDENCE_THRESHOLD: "the consensus confidence is below the threshold to act",
}

REASON_CODES: Final[dict[str, str]] = {**ABSTAIN_REASONS, **DECISION_REASONS}
