// The REST/WebSocket contract of the optionswarm API (notes/api-contract.md), as TypeScript types.
// Times are UTC nanoseconds since the epoch (`*_ns`); money is dollars.

export type Role = "viewer" | "trader" | "approver" | "admin";
export type TradingState = "ACTIVE" | "REDUCING" | "HALTED" | string;

export interface LoginResponse {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  username: string;
  role: Role;
}

export interface Me {
  username: string;
  role: Role;
  permissions: string[];
}

export interface ReplayStatus {
  state: "ready" | "running" | "paused" | "holding" | "finished" | "stopped" | "failed" | string;
  speed: number;
  ts_ns: number;
  day: string | null;
  sessions_done: number;
  sessions_total: number;
  underlying: string;
  modelled: boolean;
}

export interface Status {
  mode: string;
  ts_ns: number;
  trading_state: TradingState;
  kill_engaged: boolean;
  replay: ReplayStatus | null;
  equity: number | null;
  pnl_today: number | null;
  pending_approvals: number;
  modelled_data: boolean;
}

export interface Greeks {
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
}

export interface Portfolio {
  ts_ns: number;
  equity: number | null;
  cash: number | null;
  pnl_today: number | null;
  realized_pnl: number | null;
  unrealized_pnl: number | null;
  greeks: Greeks;
  limits: Greeks;
  margin: number | null;
  buying_power: number | null;
  equity_curve: { ts_ns: number; equity: number | null }[];
}

export interface Position {
  symbol: string;
  underlying: string;
  kind: "option" | "underlying";
  right: "C" | "P" | null;
  strike: number | null;
  expiry: string | null;
  dte: number | null;
  quantity: number;
  avg_price: number | null;
  mark: number | null;
  market_value: number | null;
  unrealized_pnl: number | null;
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
  structure_id?: string | null;
  max_loss?: number | null;
}

export interface Structure {
  structure_id: string;
  structure: string;
  legs: string[];
  max_loss: number | null;
  pnl: number | null;
  greeks: Greeks;
}

export interface Leg {
  symbol: string;
  side: "buy" | "sell";
  ratio: number;
}

export interface Order {
  client_order_id: string;
  state: string;
  underlying: string;
  structure: string;
  source: string;
  legs: Leg[];
  quantity: number;
  limit_price: number | null;
  tif: string;
  filled_quantity: number;
  avg_fill_price: number | null;
  created_ns: number;
  updated_ns: number;
  reason_code: string;
  reason: string;
}

export interface NewOrder {
  underlying: string;
  legs: Leg[];
  quantity: number;
  limit_price: number | null;
  tif: "day" | "gtc";
  structure?: string;
  client_order_id?: string;
}

export interface Fill {
  fill_id: string;
  client_order_id: string;
  symbol: string;
  side: "buy" | "sell";
  quantity: number;
  price: number | null;
  fee: number | null;
  ts_ns: number;
}

export interface View {
  direction: string;
  probability: number | null;
  conviction: number | null;
  vol_view: string;
  rationale: string;
  ts_ns: number;
  abstain_reason: string | null;
}

export interface Agent {
  agent_id: string;
  kind: "fast" | "slow";
  weight: number | null;
  latest: View | null;
  track_record: { calls: number; brier: number | null; hit_rate: number | null };
}

export interface Contribution {
  agent_id: string;
  weight: number | null;
  contribution: number | null;
  direction: string;
  conviction: number | null;
  abstained: boolean;
  rationale: string;
}

export interface Decision {
  decision_id: string;
  ts_ns: number;
  underlying: string;
  direction: string;
  vol_view: string;
  confidence: number | null;
  disagreement: number | null;
  reason_code: string;
  explanation: string;
  contributions: Contribution[];
}

export interface RiskCheck {
  check: string;
  passed: boolean;
  messages: string[];
}

export interface ApprovalDecision {
  decision_id: string;
  explanation: string;
  confidence: number | null;
  reason_code: string;
  opinions: Contribution[];
}

export interface Approval {
  request_id: string;
  client_order_id: string;
  status: string;
  reasons: { code: string; message: string }[];
  underlying: string;
  structure: string;
  legs: Leg[];
  quantity: number;
  limit_price: number | null;
  max_loss: number | null;
  margin: number | null;
  greeks_before: Greeks;
  greeks_after: Greeks;
  spot: number | null;
  package_mid: number | null;
  decision: ApprovalDecision | null;
  risk_checks: RiskCheck[];
  trading_state: string;
  placed_by: string | null;
  required_approvals: number;
  approvers: string[];
  created_ns: number;
  expires_ns: number;
  decided_ns: number | null;
  decided_by: string | null;
  decision_code: string;
  comment: string;
}

export interface Breaker {
  name: string;
  tripped: boolean;
  reason: string | null;
  code: string | null;
  forces: string;
  tripped_ns: number | null;
  needs_reset: boolean;
}

export interface Risk {
  ts_ns: number;
  trading_state: TradingState;
  kill_engaged: boolean;
  breakers: Breaker[];
  limits: Record<string, number | null>;
  usage: Record<string, number | null>;
  greeks: Greeks;
  equity: number | null;
  margin_capital: number | null;
  buying_power: number | null;
}

export interface ChainRow {
  symbol: string;
  expiry: string;
  dte: number | null;
  strike: number;
  right: "C" | "P";
  bid: number | null;
  ask: number | null;
  mid: number | null;
  iv: number | null;
  delta: number | null;
  gamma: number | null;
  vega: number | null;
  theta: number | null;
}

export interface Chain {
  underlying: string;
  ts_ns: number | null;
  spot: number | null;
  modelled: boolean;
  expiries: string[];
  rows: ChainRow[];
}

export interface AuditRecord {
  seq: number;
  kind: string;
  ts_ns: number;
  payload: unknown;
  leaf_hash: string;
}

export interface AuditPage {
  size: number;
  records: AuditRecord[];
}

export interface AuditVerify {
  ok: boolean;
  size: number;
  root: string | null;
  checked: number;
  reasons: string[];
}

export interface AuditProof {
  seq: number;
  leaf_hash: string;
  size: number;
  root: string;
  path: string[];
  checkpoint: { log_id: string; size: number; ts_ns: number; root: string; key_id: string; signature: string };
  public_key: string;
  verified: boolean;
}

export interface BacktestJob {
  job_id: string;
  state: "queued" | "running" | "done" | "failed" | string;
  progress: number;
  params: Record<string, string>;
  created_ns: number;
  started_ns?: number | null;
  finished_ns?: number | null;
  error: string | null;
  submitted_by?: string;
}

export interface BacktestParams {
  strategy: string;
  underlying: string;
  start: string;
  end: string;
}

/** One message on the WebSocket stream. */
export interface StreamEvent {
  type: string;
  ts_ns: number;
  seq: number;
  data: Record<string, unknown>;
}
