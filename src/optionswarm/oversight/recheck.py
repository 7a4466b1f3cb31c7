"""Risk re-checked at approval time, against the market and portfolio of that moment.

Every pre-trade check runs again except the throttle (the order was counted when it arrived;
seeing it again is not a duplicate). Then the prices the approver was shown are compared with
the current ones: the spot may have moved at most ``spot_tolerance`` (a fraction), the package
mid at most ``price_tolerance`` of the spot per unit.
"""

from __future__ import annotations

from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.policy import measure
from optionswarm.oversight.types import ApprovalRequest
from optionswarm.risk import RiskEngine

__all__ = ["recheck_refusal"]

_SKIPPED = frozenset({"throttle"})


def recheck_refusal(
    risk: RiskEngine, request: ApprovalRequest, config: OversightConfig
) -> tuple[str, str] | None:
    """``(code, sentence)`` if the approval must be refused now, else None."""
    ctx = risk.context(request.intent, risk.clock.now_ns())
    failures = [
        f"{reason.code.value}: {reason.message}"
        for name, check in risk.checks
        if name not in _SKIPPED
        for reason in check(ctx)
    ]
    if failures:
        return "risk_recheck_failed", "risk now refuses the order: " + "; ".join(failures)
    now = measure(ctx)
    if request.spot is not None and now.spot is not None and request.spot > 0:
        moved = abs(now.spot / request.spot - 1.0)
        if moved > config.spot_tolerance:
            return "price_moved", (
                f"spot moved {moved:.2%} (from {request.spot:,.2f} to {now.spot:,.2f}),"
                f" more than the {config.spot_tolerance:.2%} tolerance"
            )
    if request.package_mid is not None and now.package_mid is not None and now.spot:
        change = abs(now.package_mid - request.package_mid)
        allowed = config.price_tolerance * now.spot
        if change > allowed:
            return "price_moved", (
                f"package mid moved {change:,.2f} per unit (from {request.package_mid:,.2f} to"
                f" {now.package_mid:,.2f}), more than the {allowed:,.2f} tolerance"
            )
    return None
