"use client";

import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const AXIS = { stroke: "var(--muted-foreground)", fontSize: 11 } as const;
const TIP = { background: "var(--popover)", border: "1px solid var(--border)", borderRadius: 8 } as const;

/** Implied volatility against strike for one expiry; a dashed line at spot. */
export function SmileChart({ data, spot }: { data: { strike: number; call?: number; put?: number }[]; spot: number }) {
  return (
    <div className="h-60 w-full" data-testid="smile-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="strike" type="number" domain={["dataMin", "dataMax"]} {...AXIS} />
          <YAxis unit="%" domain={["auto", "auto"]} width={44} {...AXIS} />
          <Tooltip contentStyle={TIP} formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(s) => `strike ${s}`} />
          <Legend />
          <ReferenceLine x={spot} stroke="var(--muted-foreground)" strokeDasharray="4 4" />
          <Line type="monotone" dataKey="call" name="call IV" stroke="var(--chart-1)" dot={false} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="put" name="put IV" stroke="var(--chart-3)" strokeDasharray="5 3" dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** At-the-money implied volatility against days to expiry. */
export function TermChart({ data }: { data: { expiry: string; dte: number; iv: number }[] }) {
  return (
    <div className="h-60 w-full" data-testid="term-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
          <XAxis dataKey="dte" type="number" domain={[0, "dataMax"]} tickFormatter={(d: number) => `${Math.round(d)}d`} {...AXIS} />
          <YAxis unit="%" domain={["auto", "auto"]} width={44} {...AXIS} />
          <Tooltip contentStyle={TIP} formatter={(v) => `${Number(v).toFixed(1)}%`} labelFormatter={(d) => `${Math.round(Number(d))} days`} />
          <Line type="monotone" dataKey="iv" name="ATM IV" stroke="var(--chart-2)" isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
