"use client";

import { useRouter } from "next/navigation";
import type * as React from "react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";

import { ApiClient, streamUrl } from "@/lib/api";
import { clearSession, loadSession, type Session, saveSession } from "@/lib/session";
import type { LoginResponse, StreamEvent } from "@/lib/types";

export type StreamState = "connecting" | "live" | "offline";
type Listener = (e: StreamEvent) => void;

interface AppContextValue {
  session: Session | null;
  ready: boolean;
  api: ApiClient;
  signIn: (r: LoginResponse) => Promise<void>;
  signOut: () => void;
  streamState: StreamState;
  /** Register a listener for every stream event; returns the unsubscribe function. */
  subscribe: (fn: Listener) => () => void;
  /** The node's clock now, in ns: the last event's timestamp plus the wall time since (the node
   * runs on the replay's simulated clock, which jumps at each replayed session). */
  serverNowNs: () => number;
}

const AppContext = createContext<AppContextValue | null>(null);

/** Test hook: each received stream event with its receive time (epoch ms, sub-ms precision). */
interface StreamProbe {
  seq: number;
  type: string;
  key: string; // the order or approval request the event is about, if any
  recv_ms: number;
}
declare global {
  interface Window {
    __oswStream?: StreamProbe[];
  }
}

function recordProbe(e: StreamEvent): void {
  const buf = (window.__oswStream ??= []);
  const key = e.data?.client_order_id ?? e.data?.request_id ?? "";
  buf.push({ seq: e.seq, type: e.type, key: String(key), recv_ms: performance.timeOrigin + performance.now() });
  if (buf.length > 5000) buf.splice(0, buf.length - 5000);
}

function useStream(session: Session | null, listeners: React.RefObject<Set<Listener>>, onClock: (ns: number) => void) {
  const [state, setState] = useState<StreamState>("offline");
  useEffect(() => {
    if (!session) return;
    let ws: WebSocket | null = null;
    let closed = false;
    let retry = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pinger: ReturnType<typeof setInterval> | undefined;
    const connect = () => {
      setState("connecting");
      ws = new WebSocket(streamUrl(session.token));
      ws.onopen = () => {
        retry = 0;
        setState("live");
        pinger = setInterval(() => ws?.readyState === WebSocket.OPEN && ws.send('{"type":"ping"}'), 25000);
      };
      ws.onmessage = (msg) => {
        let e: StreamEvent;
        try {
          e = JSON.parse(String(msg.data)) as StreamEvent;
        } catch {
          return;
        }
        recordProbe(e);
        if (e.type === "hello") {
          const node = e.data.node_ts_ns;
          if (typeof node === "number" && node > 0) onClock(node);
        } else if (e.type !== "pong" && typeof e.ts_ns === "number" && e.ts_ns > 0) onClock(e.ts_ns);
        for (const fn of listeners.current) fn(e);
      };
      ws.onclose = () => {
        clearInterval(pinger);
        setState("offline");
        if (closed) return;
        retry = Math.min(retry + 1, 5);
        timer = setTimeout(connect, 500 * 2 ** retry);
      };
    };
    connect();
    return () => {
      closed = true;
      clearTimeout(timer);
      clearInterval(pinger);
      ws?.close();
    };
  }, [session, listeners, onClock]);
  return state;
}

export function AppProvider({ children }: { children: React.ReactNode }) {
  const router = useRouter();
  const [session, setSession] = useState<Session | null>(null);
  const [ready, setReady] = useState(false);
  const sessionRef = useRef<Session | null>(null);
  const listeners = useRef<Set<Listener>>(new Set());
  const clockOffsetMs = useRef(0);

  useEffect(() => {
    const s = loadSession();
    sessionRef.current = s;
    setSession(s);
    setReady(true);
  }, []);

  const signOut = useCallback(() => {
    clearSession();
    sessionRef.current = null;
    setSession(null);
    router.replace("/login/");
  }, [router]);

  const api = useMemo(
    () => new ApiClient({ getToken: () => sessionRef.current?.token ?? null, onUnauthorized: signOut }),
    [signOut],
  );

  const signIn = useCallback(
    async (r: LoginResponse) => {
      let s: Session = {
        token: r.access_token,
        username: r.username,
        role: r.role,
        expiresAt: Date.now() + r.expires_in * 1000,
      };
      sessionRef.current = s;
      try {
        s = { ...s, permissions: (await api.me()).permissions };
      } catch {
        /* keep the role table's permissions */
      }
      saveSession(s);
      sessionRef.current = s;
      setSession(s);
    },
    [api],
  );

  const onClock = useCallback((ns: number) => {
    clockOffsetMs.current = ns / 1e6 - Date.now();
  }, []);
  const serverNowNs = useCallback(() => (Date.now() + clockOffsetMs.current) * 1e6, []);
  const subscribe = useCallback((fn: Listener) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);
  const streamState = useStream(session, listeners, onClock);

  const value = useMemo<AppContextValue>(
    () => ({ session, ready, api, signIn, signOut, streamState, subscribe, serverNowNs }),
    [session, ready, api, signIn, signOut, streamState, subscribe, serverNowNs],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppContextValue {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error("useApp outside AppProvider");
  return ctx;
}

/** Call `fn` for each stream event whose type is in `types` (all events when omitted). */
export function useStreamEvents(fn: Listener, types?: readonly string[]): void {
  const { subscribe } = useApp();
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const key = types?.join(",") ?? "*";
  useEffect(() => {
    const wanted = key === "*" ? null : new Set(key.split(","));
    return subscribe((e) => {
      if (!wanted || wanted.has(e.type)) fnRef.current(e);
    });
  }, [subscribe, key]);
}
