// Helpers for page tests: a fake server behind fetch and a fake WebSocket the test drives.
import { vi } from "vitest";

import type { Session } from "@/lib/session";
import type { Role, StreamEvent } from "@/lib/types";

/** Where the mocked router was sent (see test/setup.ts). */
export const routerCalls = (globalThis as unknown as { __routerCalls: string[] }).__routerCalls;

export type Route = (init: RequestInit | undefined, url: URL) => unknown;

export interface FakeServer {
  calls: { method: string; path: string; body: unknown; auth: string | null }[];
}

/** Replace fetch with a table of routes, "METHOD /path" -> handler (its value is the JSON reply;
 * throw a `Reply` for another status). Unknown routes answer 404. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

export function fakeServer(routes: Record<string, Route>): FakeServer {
  const server: FakeServer = { calls: [] };
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: string, init?: RequestInit) => {
      const url = new URL(input, "http://dash.test");
      const method = init?.method ?? "GET";
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      server.calls.push({ method, path: url.pathname + url.search, body, auth: headers.Authorization ?? null });
      const route = routes[`${method} ${url.pathname}`];
      if (!route) return new Response(JSON.stringify({ detail: "not found" }), { status: 404 });
      try {
        return new Response(JSON.stringify(route(init, url)), { status: 200, headers: { "Content-Type": "application/json" } });
      } catch (e) {
        if (e instanceof Reply) return new Response(JSON.stringify(e.body), { status: e.status });
        throw e;
      }
    }),
  );
  return server;
}

/** A WebSocket stand-in: records its URL; `emit` delivers a server message. */
export class FakeSocket {
  static last: FakeSocket | null = null;
  static readonly OPEN = 1;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  sent: string[] = [];

  constructor(readonly url: string) {
    FakeSocket.last = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(): void {
    this.readyState = 3;
  }

  emit(e: Partial<StreamEvent> & { type: string }): void {
    this.onmessage?.({ data: JSON.stringify({ ts_ns: 0, seq: 1, data: {}, ...e }) });
  }
}

export function installFakeSocket(): void {
  FakeSocket.last = null;
  vi.stubGlobal("WebSocket", FakeSocket);
}

/** Sign a user in as the login page would. */
export function signInAs(role: Role, username = `${role}1`, permissions?: string[]): Session {
  const s: Session = { token: `token-${username}`, username, role, permissions, expiresAt: Date.now() + 3_600_000 };
  sessionStorage.setItem("optionswarm.session", JSON.stringify(s));
  return s;
}
