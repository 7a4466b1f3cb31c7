// The one typed client of the optionswarm REST API. Every page talks to the server through it.
import type {
  Agent,
  Approval,
  AuditPage,
  AuditProof,
  AuditVerify,
  BacktestJob,
  BacktestParams,
  Chain,
  Decision,
  Fill,
  LoginResponse,
  Me,
  NewOrder,
  Order,
  Portfolio,
  Position,
  Risk,
  Status,
  Structure,
} from "./types";

/** A refused or failed request: HTTP status plus the server's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string | null;

  constructor(status: number, message: string, code: string | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }
}

type Query = Record<string, string | number | undefined | null>;

function qs(params: Query): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : "";
}

async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as { detail?: unknown };
    const d = body.detail;
    if (typeof d === "string") message = d;
    else if (d && typeof d === "object" && "message" in d) {
      const obj = d as { code?: string; message?: string };
      message = obj.message ?? message;
      code = obj.code ?? null;
    } else if (Array.isArray(d)) message = JSON.stringify(d);
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(res.status, message, code);
}

export interface ApiClientOptions {
  baseUrl?: string;
  getToken: () => string | null;
  onUnauthorized?: () => void;
  fetchFn?: typeof fetch;
}

export class ApiClient {
  private readonly baseUrl: string;
  private readonly getToken: () => string | null;
  private readonly onUnauthorized: () => void;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl ?? "";
    this.getToken = opts.getToken;
    this.onUnauthorized = opts.onUnauthorized ?? (() => undefined);
    this.fetchFn = opts.fetchFn ?? ((input, init) => fetch(input, init));
  }

  private async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    const token = this.getToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await this.fetchFn(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      if (res.status === 401 && path !== "/api/auth/login") this.onUnauthorized();
      throw await errorFrom(res);
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.raw(method, path, body);
    return (await res.json()) as T;
  }

  // auth
  login(username: string, password: string): Promise<LoginResponse> {
    return this.json("POST", "/api/auth/login", { username, password });
  }
  me(): Promise<Me> {
    return this.json("GET", "/api/auth/me");
  }

  // overview
  status(): Promise<Status> {
    return this.json("GET", "/api/status");
  }
  portfolio(): Promise<Portfolio> {
    return this.json("GET", "/api/portfolio");
  }
  risk(): Promise<Risk> {
    return this.json("GET", "/api/risk");
  }
  kill(reason: string): Promise<unknown> {
    return this.json("POST", "/api/risk/kill", { reason });
  }
  release(): Promise<unknown> {
    return this.json("POST", "/api/risk/release");
  }
  tripBreaker(name: string, reason: string): Promise<unknown> {
    return this.json("POST", `/api/risk/breakers/${encodeURIComponent(name)}/trip`, { reason });
  }
  resetBreaker(name: string): Promise<unknown> {
    return this.json("POST", `/api/risk/breakers/${encodeURIComponent(name)}/reset`);
  }
  pauseReplay(): Promise<unknown> {
    return this.json("POST", "/api/replay/pause");
  }
  resumeReplay(): Promise<unknown> {
    return this.json("POST", "/api/replay/resume");
  }

  // positions, orders, fills
  positions(): Promise<Position[]> {
    return this.json("GET", "/api/positions");
  }
  structures(): Promise<Structure[]> {
    return this.json("GET", "/api/structures");
  }
  orders(q: { state?: string; limit?: number } = {}): Promise<Order[]> {
    return this.json("GET", `/api/orders${qs(q)}`);
  }
  order(id: string): Promise<Order> {
    return this.json("GET", `/api/orders/${encodeURIComponent(id)}`);
  }
  submitOrder(o: NewOrder): Promise<Order> {
    return this.json("POST", "/api/orders", o);
  }
  cancelOrder(id: string): Promise<Order> {
    return this.json("POST", `/api/orders/${encodeURIComponent(id)}/cancel`);
  }
  fills(q: { limit?: number } = {}): Promise<Fill[]> {
    return this.json("GET", `/api/fills${qs(q)}`);
  }

  // agents and decisions
  agents(): Promise<Agent[]> {
    return this.json("GET", "/api/agents");
  }
  decisions(q: { limit?: number } = {}): Promise<Decision[]> {
    return this.json("GET", `/api/decisions${qs(q)}`);
  }

  // approvals
  approvals(q: { status?: string } = {}): Promise<Approval[]> {
    return this.json("GET", `/api/approvals${qs(q)}`);
  }
  approval(id: string): Promise<Approval> {
    return this.json("GET", `/api/approvals/${encodeURIComponent(id)}`);
  }
  approve(id: string, comment: string): Promise<Approval> {
    return this.json("POST", `/api/approvals/${encodeURIComponent(id)}/approve`, { comment });
  }
  reject(id: string, comment: string): Promise<Approval> {
    return this.json("POST", `/api/approvals/${encodeURIComponent(id)}/reject`, { comment });
  }

  // option chain (modelled)
  chain(underlying?: string): Promise<Chain> {
    return this.json("GET", `/api/chain${qs({ underlying })}`);
  }

  // audit
  audit(q: { kind?: string; after_seq?: number; limit?: number } = {}): Promise<AuditPage> {
    return this.json("GET", `/api/audit${qs(q)}`);
  }
  auditVerify(): Promise<AuditVerify> {
    return this.json("GET", "/api/audit/verify");
  }
  auditProof(seq: number): Promise<AuditProof> {
    return this.json("GET", `/api/audit/records/${seq}/proof`);
  }
  async auditExport(): Promise<Blob> {
    return (await this.raw("GET", "/api/audit/export")).blob();
  }

  // backtests
  backtests(): Promise<BacktestJob[]> {
    return this.json("GET", "/api/backtests");
  }
  backtest(id: string): Promise<BacktestJob> {
    return this.json("GET", `/api/backtests/${encodeURIComponent(id)}`);
  }
  launchBacktest(p: BacktestParams): Promise<BacktestJob> {
    return this.json("POST", "/api/backtests", p);
  }
  backtestResult(id: string): Promise<Record<string, unknown>> {
    return this.json("GET", `/api/backtests/${encodeURIComponent(id)}/result`);
  }
  async backtestReport(id: string): Promise<string> {
    return (await this.raw("GET", `/api/backtests/${encodeURIComponent(id)}/report`)).text();
  }
}

/** The WebSocket URL of the live stream for this page's origin. */
export function streamUrl(token: string, loc: Pick<Location, "protocol" | "host"> = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/api/stream?token=${encodeURIComponent(token)}`;
}
