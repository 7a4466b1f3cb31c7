// Number and time formatting shared by every page.

const usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });

export function money(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return usd.format(v);
}

export function signedMoney(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return (v > 0 ? "+" : "") + usd.format(v);
}

export function num(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "—";
  return `${(v * 100).toFixed(digits)}%`;
}

/** UTC date and time of a nanosecond timestamp, e.g. "2018-03-02 15:30:00". */
export function nsToUtc(ns: number | null | undefined): string {
  if (!ns) return "—";
  return new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 19);
}

/** UTC time of day only, e.g. "15:30:00". */
export function nsToTime(ns: number | null | undefined): string {
  if (!ns) return "—";
  return new Date(ns / 1e6).toISOString().slice(11, 19);
}

/** "4m 05s" from a number of seconds (negative: "expired"). */
export function countdown(seconds: number): string {
  if (seconds <= 0) return "expired";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, "0")}m`;
  return `${m}m ${String(sec).padStart(2, "0")}s`;
}

export function shortHash(h: string | null | undefined, n = 10): string {
  if (!h) return "—";
  return h.length > n ? `${h.slice(0, n)}…` : h;
}

export function pnlClass(v: number | null | undefined): string {
  if (!v) return "";
  return v > 0 ? "text-success" : "text-destructive";
}
