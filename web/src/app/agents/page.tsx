"use client";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { Direction, Meter } from "@/components/direction";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { num, nsToUtc, pct } from "@/lib/format";
import type { Agent, Decision } from "@/lib/types";

function AgentCard({ a }: { a: Agent }) {
  const v = a.latest;
  const abstained = v?.abstain_reason;
  return (
    <Card data-testid="agent-card">
      <CardHeader>
        <CardTitle className="font-mono text-sm">{a.agent_id}</CardTitle>
        <div className="flex gap-1">
          <Badge variant="outline">{a.kind === "slow" ? "LLM analyst" : "fast"}</Badge>
          <Badge variant="secondary">w {num(a.weight)}</Badge>
        </div>
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-sm">
        {!v ? (
          <p className="text-muted-foreground">No view yet.</p>
        ) : abstained ? (
          <p>
            <Badge variant="warning">abstained</Badge> <span className="text-muted-foreground">{abstained}</span>
          </p>
        ) : (
          <>
            <div className="flex items-center gap-3">
              <Direction value={v.direction} />
              {v.vol_view && <span className="text-muted-foreground">vol {v.vol_view}</span>}
              <span className="text-muted-foreground ml-auto text-xs">{nsToUtc(v.ts_ns)}</span>
            </div>
            <Meter label="probability" value={v.probability} />
            <Meter label="conviction" value={v.conviction} />
            {v.rationale && <p className="text-muted-foreground border-l-2 pl-2 text-xs italic">{v.rationale}</p>}
          </>
        )}
        <p className="text-muted-foreground border-t pt-2 text-xs">
          track record: {a.track_record.calls} calls · Brier {num(a.track_record.brier, 3)} · hit rate{" "}
          {pct(a.track_record.hit_rate)}
        </p>
      </CardContent>
    </Card>
  );
}

function Consensus({ d }: { d: Decision }) {
  return (
    <Card data-testid="consensus">
      <CardHeader>
        <div className="flex flex-col gap-1">
          <CardTitle>Consensus · {d.underlying}</CardTitle>
          <CardDescription>{nsToUtc(d.ts_ns)} UTC</CardDescription>
        </div>
        <div className="flex items-center gap-2">
          <Direction value={d.direction} />
          {d.vol_view && <Badge variant="outline">vol {d.vol_view}</Badge>}
          <Badge variant="secondary">{d.reason_code}</Badge>
        </div>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <div className="grid gap-2 sm:grid-cols-2">
          <Meter label="confidence" value={d.confidence} />
          <Meter label="disagreement" value={d.disagreement} />
        </div>
        <p className="text-sm">{d.explanation}</p>
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Agent</TableHead>
              <TableHead>View</TableHead>
              <TableHead className="text-right">Weight</TableHead>
              <TableHead className="text-right">Conviction</TableHead>
              <TableHead className="text-right">Contribution</TableHead>
              <TableHead>Rationale / abstention</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody className="num">
            {d.contributions.map((c) => (
              <TableRow key={c.agent_id}>
                <TableCell className="font-mono text-xs">{c.agent_id}</TableCell>
                <TableCell>{c.abstained ? <Badge variant="warning">abstained</Badge> : <Direction value={c.direction} />}</TableCell>
                <TableCell className="text-right">{num(c.weight)}</TableCell>
                <TableCell className="text-right">{pct(c.conviction, 0)}</TableCell>
                <TableCell className="text-right">{num(c.contribution, 3)}</TableCell>
                <TableCell className="text-muted-foreground max-w-md truncate text-xs" title={c.rationale ?? ""}>
                  {c.rationale ?? "—"}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </CardContent>
    </Card>
  );
}

export default function AgentsPage() {
  const agents = useApi((a) => a.agents(), [], { refreshOn: ["view"], throttleMs: 1000 });
  const decisions = useApi((a) => a.decisions({ limit: 20 }), [], { refreshOn: ["decision", "consensus"], throttleMs: 500 });
  const latest = decisions.data?.[0];
  return (
    <AppShell title="Agents">
      <ErrorNote error={agents.error ?? decisions.error} />
      {latest ? <Consensus d={latest} /> : <p className="text-muted-foreground text-sm">No consensus decision yet.</p>}
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
        {(agents.data ?? []).map((a) => (
          <AgentCard key={a.agent_id} a={a} />
        ))}
      </div>
      {(decisions.data?.length ?? 0) > 1 && (
        <Card>
          <CardHeader>
            <CardTitle>Earlier decisions</CardTitle>
          </CardHeader>
          <CardContent>
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Time (UTC)</TableHead>
                  <TableHead>Underlying</TableHead>
                  <TableHead>Direction</TableHead>
                  <TableHead className="text-right">Confidence</TableHead>
                  <TableHead>Reason</TableHead>
                  <TableHead>Explanation</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {(decisions.data ?? []).slice(1).map((d) => (
                  <TableRow key={d.decision_id}>
                    <TableCell className="num">{nsToUtc(d.ts_ns)}</TableCell>
                    <TableCell>{d.underlying}</TableCell>
                    <TableCell>
                      <Direction value={d.direction} />
                    </TableCell>
                    <TableCell className="num text-right">{pct(d.confidence, 0)}</TableCell>
                    <TableCell>{d.reason_code}</TableCell>
                    <TableCell className="text-muted-foreground max-w-md truncate text-xs" title={d.explanation}>
                      {d.explanation}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </CardContent>
        </Card>
      )}
    </AppShell>
  );
}
