"""The node's Prometheus instruments, created on one ``CollectorRegistry`` (never the global one).

Every name starts with ``optionswarm_``. Labels are bounded sets (topic names, order states,
reason codes, breaker names, Greeks), never order or decision ids.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from optionswarm._version import __version__

__all__ = [
    "LATENCY_BUCKETS",
    "LLM_BUCKETS",
    "RISK_CHECK_BUCKETS",
    "Instruments",
]

# seconds; tick-to-order spans a strategy's reaction (sub-ms) up to a slow agent's answer
LATENCY_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
RISK_CHECK_BUCKETS = (
    0.00001,
    0.000025,
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.1,
)
LLM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0)


class Instruments:
    """Counters, histograms and gauges of one node, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        r = registry
        self.events = Counter(
            "optionswarm_events", "Bus events received, by topic.", ["topic"], registry=r
        )
        self.tick_to_order = Histogram(
            "optionswarm_tick_to_order_seconds",
            "Market event received -> order intent published (wall clock), by trigger.",
            ["trigger"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.risk_check = Histogram(
            "optionswarm_risk_check_seconds",
            "Time in the risk gate's pre-trade check, by outcome.",
            ["outcome"],
            buckets=RISK_CHECK_BUCKETS,
            registry=r,
        )
        self.llm_call = Histogram(
            "optionswarm_llm_call_seconds",
            "One model call (cache misses only), by model and outcome.",
            ["model", "outcome"],
            buckets=LLM_BUCKETS,
            registry=r,
        )
        self._orders(r)
        self._risk(r)
        self._portfolio(r)
        Info("optionswarm_build", "The running optionswarm version.", registry=r).info(
            {"version": __version__}
        )

    def _orders(self, r: CollectorRegistry) -> None:
        self.order_transitions = Counter(
            "optionswarm_order_transitions",
            "Order state transitions, by the state entered.",
            ["state"],
            registry=r,
        )
        self.rejections = Counter(
            "optionswarm_order_rejections",
            "Orders refused, by stage (risk, execution) and reason code.",
            ["stage", "reason"],
            registry=r,
        )
        self.approvals = Counter(
            "optionswarm_approvals",
            "Approval requests by outcome (requested, approved, rejected, expired...).",
            ["outcome"],
            registry=r,
        )
        self.approvals_pending = Gauge(
            "optionswarm_approvals_pending", "Approval requests waiting for a human.", registry=r
        )

    def _risk(self, r: CollectorRegistry) -> None:
        self.risk_verdicts = Counter(
            "optionswarm_risk_verdicts",
            "Risk verdicts, by decision (accept, deny, needs_approval).",
            ["decision"],
            registry=r,
        )
        self.breaker_trips = Counter(
            "optionswarm_breaker_trips",
            "Circuit-breaker trips, by breaker.",
            ["breaker"],
            registry=r,
        )

    def _portfolio(self, r: CollectorRegistry) -> None:
        self.equity = Gauge(
            "optionswarm_portfolio_equity_dollars", "Equity at the last snapshot.", registry=r
        )
        self.cash = Gauge(
            "optionswarm_portfolio_cash_dollars", "Cash at the last snapshot.", registry=r
        )
        self.gross_exposure = Gauge(
            "optionswarm_portfolio_gross_exposure_dollars",
            "Gross exposure at the last snapshot.",
            registry=r,
        )
        self.open_positions = Gauge(
            "optionswarm_portfolio_open_positions",
            "Open positions at the last snapshot.",
            registry=r,
        )
        self.greeks = Gauge(
            "optionswarm_portfolio_greek",
            "Position-weighted Greeks at the last snapshot (delta in underlying units, "
            "gamma per point^2, vega per 1.00 vol, theta per day).",
            ["greek"],
            registry=r,
        )
        self.pnl = Gauge(
            "optionswarm_pnl_dollars",
            "P&L of the last session and its attribution (total, delta, gamma, vega, theta, "
            "residual).",
            ["component"],
            registry=r,
        )
        self.pnl_cumulative = Gauge(
            "optionswarm_pnl_cumulative_dollars",
            "Equity minus the starting equity.",
            registry=r,
        )
        self.snapshot_ts = Gauge(
            "optionswarm_portfolio_snapshot_timestamp_seconds",
            "Node-clock time of the last portfolio snapshot (Unix seconds).",
            registry=r,
        )
