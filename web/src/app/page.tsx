"use client";

import { Pause, Play, ShieldCheck } from "lucide-react";

import { AppShell, ErrorNote } from "@/components/app-shell";
import { BreakerList } from "@/components/breakers";
import { EquityChart } from "@/components/equity-chart";
import { EventTicker } from "@/components/event-ticker";
import { KillSwitch } from "@/components/kill-switch";
import { useApp } from "@/components/providers";
import { Stat } from "@/components/stat";
import { ModelledBadge, TradingStateBadge } from "@/components/state-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { useApi } from "@/hooks/use-api";
import { money, nsToUtc, pnlClass, signedMoney } from "@/lib/format";
import { can } from "@/lib/roles";

const STATE_EVENTS = ["state", "breaker", "approval", "fill", "replay"] as const;

export default function OverviewPage() {
  const { api, session } = useApp();
  const status = useApi((a) => a.status(), [], { refreshOn: STATE_EVENTS, throttleMs: 250 });
  const portfolio = useApi((a) => a.portfolio(), [], { refreshOn: ["portfolio", "fill"], throttleMs: 1000 });
  const risk = useApi((a) => a.risk(), [], { refreshOn: ["state", "breaker"] });
  const act = async (fn: () => Promise<unknown>) => {
    await fn();
    status.reload();
    risk.reload();
  };

  const s = status.data;
  const r = risk.data;
  const replay = s?.replay;
  const progress = replay && replay.sessions_total > 0 ? (100 * replay.sessions_done) / replay.sessions_total : 0;

  return (
    <AppShell
      title="Overview"
      actions={
        <>
          <ModelledBadge />
          {can(session, "risk.kill") && <KillSwitch onKill={(reason) => act(() => api.kill(reason))} disabled={s?.kill_engaged} />}
          {can(session, "risk.release") && s?.kill_engaged && (
            <Button variant="outline" onClick={() => act(() => api.release())} data-testid="release">
              <ShieldCheck /> Release kill switch
            </Button>
          )}
          {can(session, "replay.control") && replay && ["running", "paused", "holding"].includes(replay.state) && (
            <Button
              variant="outline"
              onClick={() => act(() => (replay.state === "paused" ? api.resumeReplay() : api.pauseReplay()))}
            >
              {replay.state === "paused" ? <Play /> : <Pause />}
              {replay.state === "paused" ? "Resume replay" : "Pause replay"}
            </Button>
          )}
        </>
      }
    >
      <ErrorNote error={status.error ?? portfolio.error ?? risk.error} />
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-5">
        <Stat label="Trading state">
          <TradingStateBadge state={s?.trading_state} className="text-sm" />
          {s?.kill_engaged && <span className="text-destructive ml-2 text-xs">kill switch engaged</span>}
        </Stat>
        <Stat label="Equity" testId="equity">
          {money(s?.equity)}
        </Stat>
        <Stat label="P&L today" className={pnlClass(s?.pnl_today)} testId="pnl-today">
          {signedMoney(s?.pnl_today)}
        </Stat>
        <Stat label="Pending approvals" testId="pending-approvals">
          {s?.pending_approvals ?? "—"}
        </Stat>
        <Stat label={`Replay · ${replay?.underlying ?? ""}`}>
          <span className="text-sm" data-testid="replay-state">
            {replay?.state ?? "—"} <span className="text-muted-foreground font-normal">{replay?.day ?? nsToUtc(replay?.ts_ns).slice(0, 10)}</span>
          </span>
          <Progress value={progress} className="mt-1" aria-label="Replay progress" />
        </Stat>
      </div>
      <div className="grid gap-4 lg:grid-cols-3">
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Equity curve</CardTitle>
            <span className="text-muted-foreground text-sm">
              realized {signedMoney(portfolio.data?.realized_pnl)} · unrealized {signedMoney(portfolio.data?.unrealized_pnl)}
            </span>
          </CardHeader>
          <CardContent>
            <EquityChart points={portfolio.data?.equity_curve ?? []} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Circuit breakers</CardTitle>
          </CardHeader>
          <CardContent>
            <BreakerList
              breakers={r?.breakers ?? []}
              onReset={can(session, "risk.breakers") ? (name) => void act(() => api.resetBreaker(name)) : undefined}
            />
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Live events</CardTitle>
        </CardHeader>
        <CardContent>
          <EventTicker />
        </CardContent>
      </Card>
    </AppShell>
  );
}
