// Replies shaped like the API's (src/optionswarm/service/views.py), for page tests.
import type { Approval, Risk, Status } from "@/lib/types";

export function approval(over: Partial<Approval> = {}): Approval {
  return {
    request_id: "apr-1",
    client_order_id: "ord-1",
    status: "pending",
    reasons: [{ code: "max_loss_over", message: "max loss $4,200 is over the $2,000 auto-approve limit" }],
    underlying: "sp500",
    structure: "short_put_spread",
    legs: [
      { symbol: "SPX180316P02600000", side: "sell", ratio: 1 },
      { symbol: "SPX180316P02550000", side: "buy", ratio: 1 },
    ],
    quantity: 1,
    limit_price: 7.5,
    max_loss: 4200,
    margin: 5000,
    greeks_before: { delta: 100, gamma: 1, vega: -50, theta: 10 },
    greeks_after: { delta: 160, gamma: 0.5, vega: -90, theta: 14 },
    spot: 2700,
    package_mid: 7.6,
    decision: { decision_id: "d1", explanation: "bullish consensus, volatility rich", confidence: 0.7, reason_code: "consensus", opinions: [] },
    risk_checks: [
      { check: "max_loss", passed: true, messages: [] },
      { check: "concentration", passed: false, messages: ["62% in one expiry"] },
    ],
    trading_state: "ACTIVE",
    placed_by: "trader1",
    required_approvals: 2,
    approvers: [],
    created_ns: Date.UTC(2018, 2, 2, 15, 0) * 1e6,
    expires_ns: Date.now() * 1e6 + 600e9,
    decided_ns: null,
    decided_by: null,
    decision_code: "",
    comment: "",
    ...over,
  };
}

export function status(over: Partial<Status> = {}): Status {
  return {
    mode: "paper",
    ts_ns: Date.UTC(2018, 2, 2) * 1e6,
    trading_state: "ACTIVE",
    kill_engaged: false,
    replay: {
      state: "running",
      speed: 1,
      ts_ns: Date.UTC(2018, 2, 2) * 1e6,
      day: "2018-03-02",
      sessions_done: 10,
      sessions_total: 40,
      underlying: "sp500",
      modelled: true,
    },
    equity: 1_000_000,
    pnl_today: -1234.5,
    pending_approvals: 1,
    modelled_data: true,
    ...over,
  };
}

export function risk(over: Partial<Risk> = {}): Risk {
  return {
    ts_ns: 1,
    trading_state: "ACTIVE",
    kill_engaged: false,
    breakers: [
      { name: "daily_loss", tripped: false, reason: null, code: null, forces: "HALTED", tripped_ns: null, needs_reset: true },
      { name: "stale_data", tripped: true, reason: "no quote for 30 s", code: "STALE", forces: "REDUCING", tripped_ns: 1e18, needs_reset: true },
    ],
    limits: {},
    usage: {},
    greeks: { delta: 0, gamma: 0, vega: 0, theta: 0 },
    equity: 1_000_000,
    margin_capital: 0,
    buying_power: 1_000_000,
    ...over,
  };
}

export const portfolio = {
  ts_ns: 1,
  equity: 1_000_000,
  cash: 1_000_000,
  pnl_today: 0,
  realized_pnl: 0,
  unrealized_pnl: 0,
  greeks: { delta: 0, gamma: 0, vega: 0, theta: 0 },
  limits: { delta: 1000, gamma: 10, vega: 500, theta: 200 },
  margin: 0,
  buying_power: 1_000_000,
  equity_curve: [],
};
