import { num } from "@/lib/format";
import { cn } from "@/lib/utils";

/** Share of a limit used, 0..1+ (|value| / |limit|); null when there is no limit. */
export function usage(value: number, limit: number | null | undefined): number | null {
  if (limit === null || limit === undefined || limit === 0) return null;
  return Math.abs(value) / Math.abs(limit);
}

function compact(v: number): string {
  return new Intl.NumberFormat("en-US", { notation: "compact", maximumSignificantDigits: 3 }).format(v);
}

function tone(u: number | null): string {
  if (u === null) return "var(--muted-foreground)";
  if (u >= 0.9) return "var(--destructive)";
  if (u >= 0.6) return "var(--warning)";
  return "var(--success)";
}

/** A half-circle gauge of a portfolio Greek against its absolute limit. */
export function GreeksGauge({ name, value, limit }: { name: string; value: number | null; limit: number | null | undefined }) {
  const u = value === null ? null : usage(value, limit);
  const frac = Math.min(u ?? 0, 1);
  const r = 40;
  const len = Math.PI * r;
  return (
    <figure className="flex flex-col items-center gap-1" data-testid={`gauge-${name}`} aria-label={`${name} gauge`}>
      <svg viewBox="0 0 100 56" className="w-full max-w-40" role="img">
        <title>{`${name}: ${num(value)} of limit ${limit ?? "none"}`}</title>
        <path d="M10 50 A40 40 0 0 1 90 50" fill="none" stroke="var(--muted)" strokeWidth="9" strokeLinecap="round" />
        {frac > 0 && (
          <path
            d="M10 50 A40 40 0 0 1 90 50"
            fill="none"
            stroke={tone(u)}
            strokeWidth="9"
            strokeLinecap="round"
            strokeDasharray={`${frac * len} ${len}`}
          />
        )}
        <text x="50" y="46" textAnchor="middle" fontSize={u === null ? 11 : 13} fontWeight="600" fill="currentColor">
          {u === null ? (value === null ? "—" : compact(value)) : `${Math.round(u * 100)}%`}
        </text>
      </svg>
      <figcaption className="text-center text-xs">
        <span className="font-medium capitalize">{name}</span>
        <span className={cn("num text-muted-foreground block")}>
          {num(value)} / {limit === null || limit === undefined ? "no limit set" : num(Math.abs(limit))}
        </span>
      </figcaption>
    </figure>
  );
}
