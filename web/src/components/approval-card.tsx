"use client";

import { Check, X } from "lucide-react";
import { useState } from "react";

import { Countdown } from "@/components/countdown";
import { StatusBadge } from "@/components/state-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Textarea } from "@/components/ui/textarea";
import { money, num, nsToUtc, pct } from "@/lib/format";
import type { Approval, Greeks } from "@/lib/types";
import { cn } from "@/lib/utils";

const GREEKS: (keyof Greeks)[] = ["delta", "gamma", "vega", "theta"];

export function isOpen(a: Approval): boolean {
  return a.status === "pending" || a.status === "approved_partial";
}

function GreeksImpact({ before, after }: { before: Greeks; after: Greeks }) {
  return (
    <table className="num w-full text-xs">
      <thead className="text-muted-foreground">
        <tr>
          <th className="text-left font-normal">Greek ($)</th>
          <th className="text-right font-normal">before</th>
          <th className="text-right font-normal">after</th>
          <th className="text-right font-normal">change</th>
        </tr>
      </thead>
      <tbody>
        {GREEKS.map((g) => {
          const b = before[g];
          const a = after[g];
          const d = a !== null && b !== null ? a - b : null;
          return (
            <tr key={g}>
              <td className="capitalize">{g}</td>
              <td className="text-right">{num(b)}</td>
              <td className="text-right">{num(a)}</td>
              <td className={cn("text-right font-medium", d !== null && d !== 0 && (d > 0 ? "text-success" : "text-destructive"))}>
                {d === null ? "—" : `${d > 0 ? "+" : ""}${num(d)}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Four-eyes progress: how many of the required approvers have said yes, and who. */
function FourEyes({ a }: { a: Approval }) {
  const need = Math.max(a.required_approvals, 1);
  return (
    <div className="flex items-center gap-2 text-xs" data-testid="four-eyes">
      <div className="flex gap-1">
        {Array.from({ length: need }, (_, i) => (
          <span key={i} className={cn("size-3 rounded-full border", i < a.approvers.length ? "bg-success border-success" : "")} />
        ))}
      </div>
      <span>
        {a.approvers.length} of {need} approvals{a.approvers.length > 0 && `: ${a.approvers.join(", ")}`}
      </span>
    </div>
  );
}

export interface ApprovalCardProps {
  a: Approval;
  /** Offer approve/reject (the caller knows the user's permission and whether they already voted). */
  canDecide: boolean;
  onDecide: (id: string, approve: boolean, comment: string) => Promise<void>;
  highlight?: boolean;
}

/** One approval request: what, how risky, why, the checks, and the approve/reject form. */
export function ApprovalCard({ a, canDecide, onDecide, highlight }: ApprovalCardProps) {
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const open = isOpen(a);
  const decide = async (approve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await onDecide(a.request_id, approve, comment);
      setComment("");
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card data-testid="approval-card" data-request-id={a.request_id} data-order-id={a.client_order_id} className={cn(highlight && "ring-ring ring-2")}>
      <CardHeader>
        <div className="flex flex-col gap-1">
          <CardTitle className="flex flex-wrap items-center gap-2">
            {a.structure} · {a.underlying} × {a.quantity}
            <StatusBadge status={a.status} />
          </CardTitle>
          <span className="text-muted-foreground font-mono text-xs">
            {a.request_id} · order {a.client_order_id} · placed by {a.placed_by ?? "the swarm"} · {nsToUtc(a.created_ns)} UTC
          </span>
        </div>
        {open && (
          <div className="flex items-center gap-2 text-sm">
            expires in <Countdown untilNs={a.expires_ns} />
          </div>
        )}
      </CardHeader>
      <CardContent className="grid gap-4 lg:grid-cols-3">
        <div className="flex flex-col gap-2 text-sm">
          <div className="grid grid-cols-2 gap-x-2 gap-y-1">
            <span className="text-muted-foreground">Max loss</span>
            <span className="num text-destructive font-semibold" data-testid="max-loss">
              {a.max_loss === null ? "unbounded" : money(a.max_loss)}
            </span>
            <span className="text-muted-foreground">Margin</span>
            <span className="num">{money(a.margin)}</span>
            <span className="text-muted-foreground">Limit price</span>
            <span className="num">{a.limit_price === null ? "market" : num(a.limit_price)}</span>
            <span className="text-muted-foreground">Spot / package mid</span>
            <span className="num">
              {num(a.spot)} / {num(a.package_mid)}
            </span>
          </div>
          <ul className="font-mono text-xs">
            {a.legs.map((l) => (
              <li key={l.symbol}>
                <span className={l.side === "buy" ? "text-success" : "text-destructive"}>{l.side}</span> {l.ratio} × {l.symbol}
              </li>
            ))}
          </ul>
          <div className="flex flex-wrap gap-1">
            {a.reasons.map((r) => (
              <Badge key={r.code} variant="warning" title={r.message}>
                {r.code}
              </Badge>
            ))}
          </div>
          <ul className="text-muted-foreground text-xs">
            {a.reasons.map((r) => (
              <li key={r.code}>{r.message}</li>
            ))}
          </ul>
        </div>
        <div className="flex flex-col gap-3">
          <GreeksImpact before={a.greeks_before} after={a.greeks_after} />
          <div className="text-sm">
            <span className="text-muted-foreground text-xs">Risk checks</span>
            <ul className="mt-1 flex flex-col gap-0.5 text-xs">
              {a.risk_checks.map((c) => (
                <li key={c.check} className="flex gap-1">
                  <span className={c.passed ? "text-success" : "text-destructive"}>{c.passed ? "✓" : "✗"}</span>
                  <span className="font-mono">{c.check}</span>
                  {c.messages.length > 0 && <span className="text-muted-foreground truncate">{c.messages.join("; ")}</span>}
                </li>
              ))}
            </ul>
          </div>
        </div>
        <div className="flex flex-col gap-2 text-sm">
          <span className="text-muted-foreground text-xs">Decision</span>
          {a.decision ? (
            <>
              <p>{a.decision.explanation}</p>
              <span className="text-muted-foreground text-xs">
                {a.decision.reason_code} · confidence {pct(a.decision.confidence, 0)}
              </span>
            </>
          ) : (
            <p className="text-muted-foreground">Placed by a person, not the swarm.</p>
          )}
          <FourEyes a={a} />
          {!open && a.decided_by && (
            <p className="text-xs">
              {a.status} by {a.decided_by}
              {a.comment && `: "${a.comment}"`}
            </p>
          )}
          {open && canDecide && (
            <div className="flex flex-col gap-2">
              <Textarea
                placeholder="Comment (recorded in the audit log)"
                value={comment}
                onChange={(e) => setComment(e.target.value)}
                aria-label="Comment"
              />
              <div className="flex gap-2">
                <Button variant="success" disabled={busy} onClick={() => void decide(true)} data-testid="approve">
                  <Check /> Approve
                </Button>
                <Button variant="destructive" disabled={busy} onClick={() => void decide(false)} data-testid="reject">
                  <X /> Reject
                </Button>
              </div>
            </div>
          )}
          {error && (
            <p role="alert" className="text-destructive text-xs">
              {error}
            </p>
          )}
        </div>
      </CardContent>
    </Card>
  );
}
