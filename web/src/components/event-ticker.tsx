"use client";

import { useEffect, useRef, useState } from "react";

import { useStreamEvents } from "@/components/providers";
import { Badge } from "@/components/ui/badge";
import { nsToTime } from "@/lib/format";
import type { StreamEvent } from "@/lib/types";

const QUIET = new Set(["hello", "pong"]);
const NOISY = new Set(["quote", "chain", "portfolio", "replay", "view"]);

/** One line that says what an event is about (the hub sends the node's events as they are). */
export function describeEvent(e: StreamEvent): string {
  const d = e.data;
  const s = (k: string, o: Record<string, unknown> = d) => (o[k] === undefined || o[k] === null ? "" : String(o[k]));
  const join = (...parts: string[]) => parts.filter(Boolean).join(" ");
  switch (e.type) {
    case "order":
      return join(s("client_order_id"), `${s("previous")} → ${s("state")}`, s("message"));
    case "fill":
      return `${s("side")} ${s("quantity")} ${s("symbol").replace(/\s+/g, "")} @ ${s("price")}`;
    case "approval": {
      const req = d.request as Record<string, unknown> | undefined;
      if (req) return join("approval requested", s("request_id", req), s("structure", req));
      return join("approval", s("request_id"), s("status") || "expired", s("actor") && `by ${s("actor")}`);
    }
    case "breaker":
      return "actor" in d ? join(s("breaker"), "reset by", s("actor")) : join(s("breaker"), "tripped:", s("message"));
    case "state":
      if ("reason" in d) return join("KILL SWITCH by", s("actor"), s("reason") && `: ${s("reason")}`);
      return join("trading", `${s("previous")} → ${s("current")}`, s("message"));
    case "decision":
    case "consensus":
      return join(s("underlying"), s("direction"), s("reason_code"));
    case "quote":
      return join(s("symbol"), s("close"));
    default:
      return JSON.stringify(d).slice(0, 120);
  }
}

const TONE: Record<string, "destructive" | "warning" | "success" | "secondary" | "outline"> = {
  breaker: "destructive",
  state: "destructive",
  rejection: "destructive",
  approval: "warning",
  fill: "success",
  order: "secondary",
};

/** The newest stream events first, at most `limit`; quotes, chain summaries and other per-session
 * noise are left out unless `withQuotes`. Events are rendered in batches (every `flushMs`), so a
 * burst of events costs one render, not one each. */
export function EventTicker({ limit = 40, withQuotes = false, flushMs = 150 }: { limit?: number; withQuotes?: boolean; flushMs?: number }) {
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const pending = useRef<StreamEvent[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  useStreamEvents((e) => {
    if (QUIET.has(e.type)) return;
    if (!withQuotes && NOISY.has(e.type)) return;
    pending.current.push(e);
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      const batch = pending.current.reverse();
      pending.current = [];
      setEvents((prev) => [...batch, ...prev].slice(0, limit));
    }, flushMs);
  });
  if (events.length === 0) {
    return <p className="text-muted-foreground py-6 text-center text-sm">Waiting for events…</p>;
  }
  return (
    <ul className="flex max-h-80 flex-col gap-1 overflow-y-auto text-sm" data-testid="event-ticker" aria-live="polite">
      {events.map((e) => (
        <li key={`${e.seq}-${e.type}`} className="flex items-center gap-2">
          <span className="text-muted-foreground num font-mono text-xs">{nsToTime(e.ts_ns)}</span>
          <Badge variant={TONE[e.type] ?? "outline"} className="w-16">
            {e.type}
          </Badge>
          <span className="truncate">{describeEvent(e)}</span>
        </li>
      ))}
    </ul>
  );
}
