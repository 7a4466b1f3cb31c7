import { describe, expect, it, vi } from "vitest";

import { ApiClient, ApiError, streamUrl } from "./api";

function client(reply: Response, token: string | null = "tok") {
  const fetchFn = vi.fn(async (_url: string, _init?: RequestInit) => reply);
  const onUnauthorized = vi.fn();
  const api = new ApiClient({ getToken: () => token, onUnauthorized, fetchFn: fetchFn as unknown as typeof fetch });
  return { api, fetchFn, onUnauthorized };
}

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

describe("ApiClient", () => {
  it("sends the bearer token and drops empty query parameters", async () => {
    const { api, fetchFn } = client(json([]));
    await api.orders({ state: "", limit: 50 });
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe("/api/orders?limit=50");
    expect((init?.headers as Record<string, string>).Authorization).toBe("Bearer tok");
    expect(init?.method).toBe("GET");
  });

  it("posts a JSON body for an approval with its comment", async () => {
    const { api, fetchFn } = client(json({ request_id: "r1" }));
    await api.approve("r/1", "looks fine");
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe("/api/approvals/r%2F1/approve");
    expect(init?.method).toBe("POST");
    expect(JSON.parse(String(init?.body))).toEqual({ comment: "looks fine" });
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });

  it("turns a refusal's {code, message} detail into an ApiError", async () => {
    const { api } = client(json({ detail: { code: "four_eyes", message: "a second approver is needed" } }, 409));
    const err = await api.approve("r1", "").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: "four_eyes", message: "a second approver is needed" });
  });

  it("keeps a plain string detail as the message", async () => {
    const { api } = client(json({ detail: "approvals.decide required" }, 403));
    await expect(api.approve("r1", "")).rejects.toMatchObject({ status: 403, message: "approvals.decide required" });
  });

  it("signals a 401 so the session can end, except on the login call itself", async () => {
    const first = client(json({ detail: "expired" }, 401));
    await expect(first.api.status()).rejects.toBeInstanceOf(ApiError);
    expect(first.onUnauthorized).toHaveBeenCalledOnce();
    const second = client(json({ detail: "bad password" }, 401), null);
    await expect(second.api.login("a", "b")).rejects.toMatchObject({ status: 401 });
    expect(second.onUnauthorized).not.toHaveBeenCalled();
  });

  it("sends no Authorization header without a token", async () => {
    const { api, fetchFn } = client(json({ access_token: "t" }), null);
    await api.login("alice", "pw");
    const init = fetchFn.mock.calls[0]?.[1];
    expect((init?.headers as Record<string, string>).Authorization).toBeUndefined();
  });
});

describe("streamUrl", () => {
  it("uses ws on http and wss on https, with the token escaped", () => {
    expect(streamUrl("a b", { protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/api/stream?token=a%20b");
    expect(streamUrl("t", { protocol: "https:", host: "h" })).toBe("wss://h/api/stream?token=t");
  });
});
