"use client";

import { Download, ShieldAlert, ShieldCheck } from "lucide-react";
import type * as React from "react";
import { useState } from "react";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { useApp } from "@/components/providers";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { useApi } from "@/hooks/use-api";
import { useQueryParam } from "@/hooks/use-query-param";
import { saveBlob } from "@/lib/download";
import { nsToUtc, shortHash } from "@/lib/format";
import { can } from "@/lib/roles";
import type { AuditRecord } from "@/lib/types";

function Proof({ seq }: { seq: number }) {
  const proof = useApi((a) => a.auditProof(seq), [seq]);
  const p = proof.data;
  return (
    <Card data-testid="proof">
      <CardHeader>
        <CardTitle>Inclusion proof of record {seq}</CardTitle>
        {p && (
          <Badge variant={p.verified ? "success" : "destructive"} data-testid="proof-verified">
            {p.verified ? "verified" : "NOT verified"}
          </Badge>
        )}
      </CardHeader>
      <CardContent className="flex flex-col gap-2 text-xs">
        <ErrorNote error={proof.error} />
        {p && (
          <>
            <div className="grid gap-x-3 gap-y-1 sm:grid-cols-[10rem_1fr]">
              <span className="text-muted-foreground">leaf hash</span>
              <span className="font-mono break-all">{p.leaf_hash}</span>
              <span className="text-muted-foreground">tree size / root</span>
              <span className="font-mono break-all">
                {p.size} / {p.root}
              </span>
              <span className="text-muted-foreground">signed checkpoint</span>
              <span className="font-mono break-all">
                {p.checkpoint.log_id} · size {p.checkpoint.size} · key {p.checkpoint.key_id} · {nsToUtc(p.checkpoint.ts_ns)}
              </span>
              <span className="text-muted-foreground">signature</span>
              <span className="font-mono break-all">{p.checkpoint.signature}</span>
            </div>
            <span className="text-muted-foreground">audit path ({p.path.length} hashes, leaf to root)</span>
            <ol className="list-decimal pl-6 font-mono">
              {p.path.map((h, i) => (
                <li key={`${i}-${h}`} className="break-all">
                  {h}
                </li>
              ))}
            </ol>
          </>
        )}
      </CardContent>
    </Card>
  );
}

function payloadText(r: AuditRecord): string {
  return typeof r.payload === "string" ? r.payload : JSON.stringify(r.payload);
}

export default function AuditPage() {
  const { api, session } = useApp();
  const [kind, setKind] = useState("");
  const [afterSeq, setAfterSeq] = useState("");
  const [query, setQuery] = useState<{ kind?: string; after_seq?: number }>({});
  const [seqParam, setSeqParam] = useQueryParam("seq");
  const verify = useApi((a) => a.auditVerify(), [], { refreshOn: ["state", "breaker"], throttleMs: 2000 });
  const page = useApi((a) => a.audit({ ...query, limit: 200 }), [query.kind, query.after_seq]);
  const [exportError, setExportError] = useState<Error | null>(null);
  const search = (e: React.FormEvent) => {
    e.preventDefault();
    setQuery({ kind: kind.trim() || undefined, after_seq: afterSeq ? Number(afterSeq) : undefined });
  };
  const exportBundle = async () => {
    try {
      saveBlob(await api.auditExport(), "optionswarm-audit-export.zip");
      setExportError(null);
    } catch (e) {
      setExportError(e instanceof Error ? e : new Error(String(e)));
    }
  };
  const v = verify.data;
  const seq = seqParam !== null && /^\d+$/.test(seqParam) ? Number(seqParam) : null;

  return (
    <AppShell
      title="Audit log"
      actions={
        <>
          {v && (
            <Badge variant={v.ok ? "success" : "destructive"} className="text-sm" data-testid="audit-verify">
              {v.ok ? <ShieldCheck /> : <ShieldAlert />}
              {v.ok ? "verified" : "VERIFICATION FAILED"} · {v.checked} of {v.size} records
            </Badge>
          )}
          {v?.root && <span className="text-muted-foreground font-mono text-xs">root {shortHash(v.root, 16)}</span>}
          {can(session, "audit.export") && (
            <Button variant="outline" className="ml-auto" onClick={() => void exportBundle()} data-testid="audit-export">
              <Download /> Export bundle
            </Button>
          )}
        </>
      }
    >
      <ErrorNote error={verify.error ?? page.error ?? exportError} />
      {v && !v.ok && (
        <ul className="text-destructive text-sm">
          {v.reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      )}
      {seq !== null && <Proof seq={seq} />}
      <Card>
        <CardHeader>
          <CardTitle>Records</CardTitle>
          <form onSubmit={search} className="flex flex-wrap items-end gap-2">
            <div className="flex flex-col gap-1">
              <Label htmlFor="a-kind">Kind</Label>
              <Input id="a-kind" value={kind} onChange={(e) => setKind(e.target.value)} placeholder="e.g. approval.decided" className="w-48" />
            </div>
            <div className="flex flex-col gap-1">
              <Label htmlFor="a-after">After seq</Label>
              <Input id="a-after" type="number" min={0} value={afterSeq} onChange={(e) => setAfterSeq(e.target.value)} className="w-28" />
            </div>
            <Button type="submit" variant="secondary">
              Search
            </Button>
          </form>
        </CardHeader>
        <CardContent>
          <Table data-testid="audit-table">
            <TableHeader>
              <TableRow>
                <TableHead className="text-right">Seq</TableHead>
                <TableHead>Time (UTC)</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Leaf hash</TableHead>
                <TableHead>Payload</TableHead>
                <TableHead />
              </TableRow>
            </TableHeader>
            <TableBody>
              {(page.data?.records ?? []).map((r) => (
                <TableRow key={r.seq} data-state={r.seq === seq ? "selected" : undefined}>
                  <TableCell className="num text-right">{r.seq}</TableCell>
                  <TableCell className="num">{nsToUtc(r.ts_ns)}</TableCell>
                  <TableCell className="font-mono text-xs">{r.kind}</TableCell>
                  <TableCell className="font-mono text-xs">{shortHash(r.leaf_hash)}</TableCell>
                  <TableCell className="text-muted-foreground max-w-md truncate font-mono text-xs" title={payloadText(r)}>
                    {payloadText(r)}
                  </TableCell>
                  <TableCell>
                    <Button size="sm" variant="ghost" onClick={() => setSeqParam(String(r.seq))}>
                      Proof
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {(page.data?.records ?? []).length === 0 && <p className="text-muted-foreground py-4 text-center text-sm">No records match.</p>}
        </CardContent>
      </Card>
    </AppShell>
  );
}
