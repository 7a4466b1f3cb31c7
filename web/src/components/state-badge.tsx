import { Badge } from "@/components/ui/badge";

/** ACTIVE (green), REDUCING (amber) or HALTED (red). */
export function TradingStateBadge({ state, className }: { state: string | undefined; className?: string }) {
  const s = (state ?? "—").toUpperCase();
  const variant = s === "ACTIVE" ? "success" : s === "REDUCING" ? "warning" : s === "HALTED" ? "destructive" : "secondary";
  return (
    <Badge variant={variant} className={className} data-testid="trading-state">
      {s}
    </Badge>
  );
}

/** An approval or order status as a coloured badge. */
export function StatusBadge({ status }: { status: string }) {
  const s = status.toLowerCase();
  const variant =
    s === "filled" || s === "approved"
      ? "success"
      : s.includes("reject") || s === "denied" || s === "expired" || s === "failed" || s === "cancelled" || s === "canceled"
        ? "destructive"
        : s.includes("pending") || s === "queued" || s === "running"
          ? "warning"
          : "secondary";
  return <Badge variant={variant}>{status}</Badge>;
}

/** The notice on every page that shows replayed, modelled market data. */
export function ModelledBadge() {
  return (
    <Badge variant="warning" title="Prices, IVs and Greeks come from a model on replayed data, not a live feed">
      MODELLED DATA
    </Badge>
  );
}
