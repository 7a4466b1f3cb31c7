"use client";

import { ExternalLink } from "lucide-react";
import type * as React from "react";
import { useState } from "react";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { useApp } from "@/components/providers";
import { StatusBadge } from "@/components/state-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Progress } from "@/components/ui/progress";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { openHtml } from "@/lib/download";
import { nsToUtc } from "@/lib/format";
import { can } from "@/lib/roles";
import type { BacktestParams } from "@/lib/types";

const STRATEGIES = ["short-put-spread", "covered-call", "buy-and-hold", "sma-crossover", "swarm", "swarm-equal"];

function LaunchForm({ onLaunch }: { onLaunch: (p: BacktestParams) => Promise<void> }) {
  const [p, setP] = useState<BacktestParams>({ strategy: "short-put-spread", underlying: "sp500", start: "2016-01-01", end: "2016-12-31" });
  const [error, setError] = useState<string | null>(null);
  const set = (k: keyof BacktestParams) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => setP({ ...p, [k]: e.target.value });
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await onLaunch(p);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" aria-label="Launch a backtest">
      <div className="flex flex-col gap-1">
        <Label htmlFor="b-strategy">Strategy</Label>
        <NativeSelect id="b-strategy" value={p.strategy} onChange={set("strategy")}>
          {STRATEGIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </NativeSelect>
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="b-und">Underlying</Label>
        <Input id="b-und" value={p.underlying} onChange={set("underlying")} required />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="b-start">Start</Label>
        <Input id="b-start" type="date" value={p.start} onChange={set("start")} required />
      </div>
      <div className="flex flex-col gap-1">
        <Label htmlFor="b-end">End</Label>
        <Input id="b-end" type="date" value={p.end} onChange={set("end")} required />
      </div>
      <div className="flex items-end">
        <Button type="submit" className="w-full" data-testid="launch-backtest">
          Launch
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-destructive text-sm sm:col-span-2 lg:col-span-5">
          {error}
        </p>
      )}
    </form>
  );
}

export default function BacktestsPage() {
  const { api, session } = useApp();
  const [poll, setPoll] = useState(true);
  const jobs = useApi(
    async (a) => {
      const list = await a.backtests();
      setPoll(list.some((j) => j.state === "queued" || j.state === "running"));
      return list;
    },
    [],
    { pollMs: poll ? 1000 : 0 },
  );
  const [reportError, setReportError] = useState<Error | null>(null);
  const openReport = async (id: string) => {
    try {
      openHtml(await api.backtestReport(id));
      setReportError(null);
    } catch (e) {
      setReportError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const list = [...(jobs.data ?? [])].sort((a, b) => b.created_ns - a.created_ns);

  return (
    <AppShell title="Backtests">
      <ErrorNote error={jobs.error ?? reportError} />
      {can(session, "backtests.run") && (
        <Card>
          <CardHeader>
            <CardTitle>Launch a backtest</CardTitle>
          </CardHeader>
          <CardContent>
            <LaunchForm
              onLaunch={async (p) => {
                await api.launchBacktest(p);
                setPoll(true);
                jobs.reload();
              }}
            />
          </CardContent>
        </Card>
      )}
      <Card>
        <CardHeader>
          <CardTitle>Jobs</CardTitle>
        </CardHeader>
        <CardContent>
          <Table data-testid="jobs-table">
            <TableHeader>
              <TableRow>
                <TableHead>Job</TableHead>
                <TableHead>Strategy</TableHead>
                <TableHead>Underlying</TableHead>
                <TableHead>Period</TableHead>
                <TableHead>State</TableHead>
                <TableHead className="w-48">Progress</TableHead>
                <TableHead>Created (UTC)</TableHead>
                <TableHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.map((j) => (
                <TableRow key={j.job_id} data-testid="job-row">
                  <TableCell className="font-mono text-xs">{j.job_id}</TableCell>
                  <TableCell>{j.params.strategy}</TableCell>
                  <TableCell>{j.params.underlying}</TableCell>
                  <TableCell className="num text-xs">
                    {j.params.start} → {j.params.end}
                  </TableCell>
                  <TableCell>
                    <StatusBadge status={j.state} />
                  </TableCell>
                  <TableCell>
                    <div className="flex items-center gap-2">
                      <Progress value={j.progress * 100} aria-label={`progress of ${j.job_id}`} />
                      <span className="num w-10 text-right text-xs">{Math.round(j.progress * 100)}%</span>
                    </div>
                    {j.error && <span className="text-destructive text-xs">{j.error}</span>}
                  </TableCell>
                  <TableCell className="num text-xs">{nsToUtc(j.created_ns)}</TableCell>
                  <TableCell>
                    {j.state === "done" && (
                      <Button size="sm" variant="outline" onClick={() => void openReport(j.job_id)}>
                        <ExternalLink /> Report
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {list.length === 0 && <p className="text-muted-foreground py-4 text-center text-sm">No backtests yet.</p>}
        </CardContent>
      </Card>
    </AppShell>
  );
}
