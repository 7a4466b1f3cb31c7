import type { Leg } from "./types";

const TERMINAL = new Set(["denied", "filled", "cancelled", "rejected", "expired"]);

/** Whether an order can still be cancelled (it is not in a final state). */
export function isWorking(state: string): boolean {
  return !TERMINAL.has(state) && state !== "cancel_pending";
}

/** Legs from text, one per line: "buy SYMBOL" or "sell 2 SYMBOL". Throws on a bad line. */
export function parseLegs(text: string): Leg[] {
  const legs: Leg[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(buy|sell)\s+(?:(\d+)\s*x?\s+)?(\S+)$/i.exec(line);
    if (!m?.[1] || !m[3]) throw new Error(`line ${i + 1}: expected "buy|sell [ratio] SYMBOL", got "${line}"`);
    legs.push({ side: m[1].toLowerCase() as Leg["side"], ratio: m[2] ? Number(m[2]) : 1, symbol: m[3] });
  }
  if (legs.length === 0) throw new Error("at least one leg");
  return legs;
}
