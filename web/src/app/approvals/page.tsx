"use client";

import { useEffect } from "react";

import { ApprovalCard, isOpen } from "@/components/approval-card";
import { AppShell, ErrorNote } from "@/components/app-shell";
import { useApp } from "@/components/providers";
import { Badge } from "@/components/ui/badge";
import { useApi } from "@/hooks/use-api";
import { useQueryParam } from "@/hooks/use-query-param";
import { can } from "@/lib/roles";
import type { Approval } from "@/lib/types";

export default function ApprovalsPage() {
  const { api, session } = useApp();
  const [focus] = useQueryParam("id");
  const approvals = useApi((a) => a.approvals(), [], { refreshOn: ["approval", "order"], throttleMs: 30, pollMs: 5000 });
  const all = approvals.data ?? [];
  const open = all.filter(isOpen);
  const decided = all.filter((a) => !isOpen(a)).slice(0, 20);
  const mayDecide = can(session, "approvals.decide");
  const canDecide = (a: Approval) =>
    mayDecide && !!session && !a.approvers.includes(session.username) && a.placed_by !== session.username;
  const onDecide = async (id: string, approve: boolean, comment: string) => {
    await (approve ? api.approve(id, comment) : api.reject(id, comment));
    approvals.reload();
  };
  useEffect(() => {
    if (focus) document.querySelector(`[data-request-id="${CSS.escape(focus)}"]`)?.scrollIntoView({ block: "center" });
  }, [focus, approvals.data]);

  return (
    <AppShell
      title="Approvals"
      actions={
        <>
          <Badge variant={open.length ? "warning" : "secondary"} data-testid="open-count">
            {open.length} waiting
          </Badge>
          {!mayDecide && <span className="text-muted-foreground text-sm">Your role can watch the queue but not decide.</span>}
        </>
      }
    >
      <ErrorNote error={approvals.error} />
      <section className="flex flex-col gap-3" data-testid="approval-queue">
        {open.length === 0 && <p className="text-muted-foreground py-6 text-center text-sm">Nothing waits for a decision.</p>}
        {open.map((a) => (
          <ApprovalCard key={a.request_id} a={a} canDecide={canDecide(a)} onDecide={onDecide} highlight={a.request_id === focus} />
        ))}
      </section>
      {decided.length > 0 && (
        <section className="flex flex-col gap-3">
          <h2 className="text-muted-foreground text-sm font-medium">Recently decided</h2>
          {decided.map((a) => (
            <ApprovalCard key={a.request_id} a={a} canDecide={false} onDecide={onDecide} highlight={a.request_id === focus} />
          ))}
        </section>
      )}
    </AppShell>
  );
}
