"use client";

import { useEffect, useMemo, useState } from "react";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { SmileChart, TermChart } from "@/components/chain-charts";
import { ModelledBadge } from "@/components/state-badge";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/native-select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { useQueryParam } from "@/hooks/use-query-param";
import { byStrike, smile, termStructure } from "@/lib/chain";
import { num, nsToUtc } from "@/lib/format";
import type { ChainRow } from "@/lib/types";
import { cn } from "@/lib/utils";

function Side({ r }: { r: ChainRow | undefined }) {
  return (
    <>
      <TableCell className="text-right">{num(r?.bid)}</TableCell>
      <TableCell className="text-right">{num(r?.ask)}</TableCell>
      <TableCell className="text-right">{r?.iv != null ? `${(r.iv * 100).toFixed(1)}%` : "—"}</TableCell>
      <TableCell className="text-right">{num(r?.delta, 0)}</TableCell>
      <TableCell className="text-right">{num(r?.gamma, 0)}</TableCell>
      <TableCell className="text-right">{num(r?.vega)}</TableCell>
      <TableCell className="text-right">{num(r?.theta)}</TableCell>
    </>
  );
}

const SIDE_HEADS = ["Bid", "Ask", "IV", "$Δ", "$Γ 1%", "$Vega", "$Θ/day"];

export default function ChainPage() {
  const [underlying] = useQueryParam("underlying");
  const chain = useApi((a) => a.chain(underlying ?? undefined), [underlying], { refreshOn: ["chain"], throttleMs: 2000 });
  const c = chain.data;
  const [expiry, setExpiry] = useState<string>("");
  useEffect(() => {
    if (c && !c.expiries.includes(expiry)) setExpiry(c.expiries[0] ?? "");
  }, [c, expiry]);
  const strikes = useMemo(() => (c ? byStrike(c.rows, expiry) : []), [c, expiry]);
  const smileData = useMemo(() => (c ? smile(c.rows, expiry) : []), [c, expiry]);
  const term = useMemo(() => (c ? termStructure(c.rows, c.spot ?? 0) : []), [c]);
  const spot = c?.spot ?? null;
  const atm = strikes.reduce<number | null>(
    (best, s) => (spot !== null && (best === null || Math.abs(s.strike - spot) < Math.abs(best - spot)) ? s.strike : best),
    null,
  );

  return (
    <AppShell
      title={`Option chain${c ? ` · ${c.underlying}` : ""}`}
      actions={
        <>
          <ModelledBadge />
          <span className="text-muted-foreground text-sm">
            spot <span className="num text-foreground font-medium">{num(c?.spot)}</span> · {nsToUtc(c?.ts_ns)} UTC
          </span>
          <label className="ml-auto flex items-center gap-2 text-sm">
            Expiry
            <NativeSelect value={expiry} onChange={(e) => setExpiry(e.target.value)} data-testid="expiry-select">
              {(c?.expiries ?? []).map((x) => (
                <option key={x} value={x}>
                  {x}
                </option>
              ))}
            </NativeSelect>
          </label>
        </>
      }
    >
      <ErrorNote error={chain.error} />
      <p className="text-muted-foreground text-sm">
        Quotes, implied volatilities and Greeks are modelled from the replayed underlying, not a live options feed.
        Greeks are dollars per contract (gamma per 1% move, vega per vol point, theta per day).
      </p>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>IV smile · {expiry}</CardTitle>
          </CardHeader>
          <CardContent>
            <SmileChart data={smileData} spot={c?.spot ?? 0} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Term structure (ATM IV)</CardTitle>
          </CardHeader>
          <CardContent>
            <TermChart data={term} />
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Calls · strike · puts</CardTitle>
        </CardHeader>
        <CardContent>
          <Table data-testid="chain-table">
            <TableHeader>
              <TableRow>
                {SIDE_HEADS.map((h) => (
                  <TableHead key={`c${h}`} className="text-right">
                    {h}
                  </TableHead>
                ))}
                <TableHead className="bg-muted text-center">Strike</TableHead>
                {SIDE_HEADS.map((h) => (
                  <TableHead key={`p${h}`} className="text-right">
                    {h}
                  </TableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody className="num">
              {strikes.map((s) => (
                <TableRow key={s.strike} className={cn(s.strike === atm && "bg-accent/60")}>
                  <Side r={s.call} />
                  <TableCell className="bg-muted text-center font-semibold">{num(s.strike)}</TableCell>
                  <Side r={s.put} />
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    </AppShell>
  );
}
