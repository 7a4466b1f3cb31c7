"use client";

import { memo } from "react";
import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

import { money, nsToUtc } from "@/lib/format";

const wholeDollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });

/** Whole dollars ("$1,000,168"): a curve moving by a few dollars on a million keeps distinct
 * ticks. */
export function axisDollars(v: number): string {
  return wholeDollars.format(v);
}

/** The equity curve as an area chart (memoised: it re-renders only when its points change). */
export const EquityChart = memo(function EquityChart({ points }: { points: { ts_ns: number; equity: number | null }[] }) {
  if (points.length < 2) {
    return <p className="text-muted-foreground py-16 text-center text-sm">No equity history yet.</p>;
  }
  const data = points.map((p) => ({ t: p.ts_ns / 1e6, equity: p.equity }));
  return (
    <div className="h-80 w-full" data-testid="equity-chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, left: 8, bottom: 0 }}>
          <defs>
            <linearGradient id="eq" x1="0" y1="0" x2="0" y2="1">
              <stop offset="5%" stopColor="var(--chart-1)" stopOpacity={0.35} />
              <stop offset="95%" stopColor="var(--chart-1)" stopOpacity={0} />
            </linearGradient>
          </defs>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis
            dataKey="t"
            type="number"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(t: number) => new Date(t).toISOString().slice(0, 10)}
            stroke="var(--muted-foreground)"
            fontSize={11}
            minTickGap={40}
          />
          <YAxis
            domain={["auto", "auto"]}
            tickFormatter={axisDollars}
            stroke="var(--muted-foreground)"
            fontSize={11}
            width={84}
          />
          <Tooltip
            contentStyle={{ background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 8 }}
            labelFormatter={(t) => nsToUtc(Number(t) * 1e6)}
            formatter={(v) => [money(Number(v)), "Equity"]}
          />
          <Area type="linear" dataKey="equity" stroke="var(--chart-1)" fill="url(#eq)" strokeWidth={2} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
});
