// Shaping an option chain for its table and its charts (pure functions, tested).
import type { ChainRow } from "./types";

export interface StrikeRow {
  strike: number;
  call: ChainRow | undefined;
  put: ChainRow | undefined;
}

const isCall = (r: ChainRow) => r.right.toUpperCase().startsWith("C");

/** The rows of one expiry, calls and puts side by side, by strike ascending. */
export function byStrike(rows: ChainRow[], expiry: string): StrikeRow[] {
  const map = new Map<number, StrikeRow>();
  for (const r of rows) {
    if (r.expiry !== expiry) continue;
    const row = map.get(r.strike) ?? { strike: r.strike, call: undefined, put: undefined };
    if (isCall(r)) row.call = r;
    else row.put = r;
    map.set(r.strike, row);
  }
  return [...map.values()].sort((a, b) => a.strike - b.strike);
}

/** IV by strike for one expiry (the smile): {strike, call, put} in percent. */
export function smile(rows: ChainRow[], expiry: string): { strike: number; call?: number; put?: number }[] {
  return byStrike(rows, expiry).map((s) => ({
    strike: s.strike,
    call: s.call?.iv != null ? s.call.iv * 100 : undefined,
    put: s.put?.iv != null ? s.put.iv * 100 : undefined,
  }));
}

/** At-the-money IV of each expiry (the term structure): the strike nearest spot, call and put
 * averaged, in percent, by days to expiry. */
export function termStructure(rows: ChainRow[], spot: number): { expiry: string; dte: number; iv: number }[] {
  const expiries = new Map<string, ChainRow[]>();
  for (const r of rows) expiries.set(r.expiry, [...(expiries.get(r.expiry) ?? []), r]);
  const out: { expiry: string; dte: number; iv: number }[] = [];
  for (const [expiry, rs] of expiries) {
    let best = Number.POSITIVE_INFINITY;
    for (const r of rs) if ((r.iv ?? 0) > 0) best = Math.min(best, Math.abs(r.strike - spot));
    const atm = rs.filter((r) => Math.abs(r.strike - spot) === best && (r.iv ?? 0) > 0);
    if (atm.length === 0) continue;
    const iv = atm.reduce((acc, r) => acc + (r.iv ?? 0), 0) / atm.length;
    out.push({ expiry, dte: atm[0]?.dte ?? 0, iv: iv * 100 });
  }
  return out.sort((a, b) => a.dte - b.dte);
}
