"use client";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { GreeksGauge } from "@/components/greeks-gauge";
import { ModelledBadge } from "@/components/state-badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { money, num, pnlClass, signedMoney } from "@/lib/format";
import type { Greeks } from "@/lib/types";

const GREEKS: (keyof Greeks)[] = ["delta", "gamma", "vega", "theta"];
const REFRESH = ["fill", "portfolio", "order"] as const;

export default function PositionsPage() {
  const portfolio = useApi((a) => a.portfolio(), [], { refreshOn: REFRESH, throttleMs: 500 });
  const positions = useApi((a) => a.positions(), [], { refreshOn: REFRESH, throttleMs: 300 });
  const structures = useApi((a) => a.structures(), [], { refreshOn: REFRESH, throttleMs: 500 });
  const p = portfolio.data;
  const rows = positions.data ?? [];
  return (
    <AppShell title="Positions" actions={<ModelledBadge />}>
      <ErrorNote error={positions.error ?? portfolio.error} />
      <Card>
        <CardHeader>
          <CardTitle>Portfolio Greeks against limits</CardTitle>
          <span className="text-muted-foreground text-sm">
            margin {money(p?.margin)} · buying power {money(p?.buying_power)}
          </span>
        </CardHeader>
        <CardContent className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          {GREEKS.map((g) => (
            <GreeksGauge key={g} name={g} value={p?.greeks[g] ?? null} limit={p?.limits[g]} />
          ))}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Positions</CardTitle>
          <span className="text-muted-foreground text-sm">{rows.length} open</span>
        </CardHeader>
        <CardContent>
          {rows.length === 0 ? (
            <p className="text-muted-foreground py-6 text-center text-sm">No open positions.</p>
          ) : (
            <Table data-testid="positions-table">
              <TableHeader>
                <TableRow>
                  <TableHead>Symbol</TableHead>
                  <TableHead className="text-right">Qty</TableHead>
                  <TableHead className="text-right">DTE</TableHead>
                  <TableHead className="text-right">Avg</TableHead>
                  <TableHead className="text-right">Mark</TableHead>
                  <TableHead className="text-right">Value</TableHead>
                  <TableHead className="text-right">P&L</TableHead>
                  {GREEKS.map((g) => (
                    <TableHead key={g} className="text-right capitalize">
                      {g}
                    </TableHead>
                  ))}
                  <TableHead className="text-right">Max loss</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody className="num">
                {rows.map((r) => (
                  <TableRow key={r.symbol} data-testid="position-row">
                    <TableCell className="font-mono">{r.symbol}</TableCell>
                    <TableCell className="text-right">{r.quantity}</TableCell>
                    <TableCell className="text-right">{r.dte ?? "—"}</TableCell>
                    <TableCell className="text-right">{num(r.avg_price)}</TableCell>
                    <TableCell className="text-right">{num(r.mark)}</TableCell>
                    <TableCell className="text-right">{money(r.market_value)}</TableCell>
                    <TableCell className={`text-right ${pnlClass(r.unrealized_pnl)}`}>{signedMoney(r.unrealized_pnl)}</TableCell>
                    {GREEKS.map((g) => (
                      <TableCell key={g} className="text-right">
                        {num(r[g], g === "gamma" ? 4 : 2)}
                      </TableCell>
                    ))}
                    <TableCell className="text-right">{money(r.max_loss)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Structures</CardTitle>
        </CardHeader>
        <CardContent>
          {(structures.data ?? []).length === 0 ? (
            <p className="text-muted-foreground py-4 text-center text-sm">No multi-leg structures.</p>
          ) : (
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Structure</TableHead>
                  <TableHead>Legs</TableHead>
                  <TableHead className="text-right">P&L</TableHead>
                  <TableHead className="text-right">Max loss</TableHead>
                  {GREEKS.map((g) => (
                    <TableHead key={g} className="text-right capitalize">
                      {g}
                    </TableHead>
                  ))}
                </TableRow>
              </TableHeader>
              <TableBody className="num">
                {(structures.data ?? []).map((s) => (
                  <TableRow key={s.structure_id}>
                    <TableCell>{s.structure}</TableCell>
                    <TableCell className="font-mono text-xs whitespace-normal">{s.legs.join(", ")}</TableCell>
                    <TableCell className={`text-right ${pnlClass(s.pnl)}`}>{signedMoney(s.pnl)}</TableCell>
                    <TableCell className="text-right">{money(s.max_loss)}</TableCell>
                    {GREEKS.map((g) => (
                      <TableCell key={g} className="text-right">
                        {num(s.greeks[g], g === "gamma" ? 4 : 2)}
                      </TableCell>
                    ))}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </CardContent>
      </Card>
    </AppShell>
  );
}
