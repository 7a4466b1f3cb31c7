import { ArrowDownRight, ArrowRight, ArrowUpRight } from "lucide-react";

import { cn } from "@/lib/utils";

/** A direction (bullish / bearish / neutral, or up / down / flat) with an arrow and a colour. */
export function Direction({ value, className }: { value: string | null | undefined; className?: string }) {
  const v = (value ?? "").toLowerCase();
  const up = v.startsWith("bull") || v === "up" || v === "long";
  const down = v.startsWith("bear") || v === "down" || v === "short";
  const Icon = up ? ArrowUpRight : down ? ArrowDownRight : ArrowRight;
  return (
    <span className={cn("inline-flex items-center gap-1 font-medium", up && "text-success", down && "text-destructive", className)}>
      <Icon className="size-4" />
      {value || "—"}
    </span>
  );
}

/** A thin bar for a 0..1 figure such as conviction or confidence. */
export function Meter({ value, label }: { value: number | null | undefined; label: string }) {
  const v = Math.max(0, Math.min(1, value ?? 0));
  return (
    <div className="flex items-center gap-2 text-xs" title={`${label} ${(v * 100).toFixed(0)}%`}>
      <span className="text-muted-foreground w-20">{label}</span>
      <div className="bg-muted h-1.5 flex-1 overflow-hidden rounded-full">
        <div className="bg-chart-1 h-full" style={{ width: `${v * 100}%` }} />
      </div>
      <span className="num w-10 text-right">{value === null || value === undefined ? "—" : `${(v * 100).toFixed(0)}%`}</span>
    </div>
  );
}
