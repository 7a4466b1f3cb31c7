"use client";

import {
  Activity,
  Bot,
  FlaskConical,
  LayoutDashboard,
  ListChecks,
  LogOut,
  Menu,
  ReceiptText,
  ScrollText,
  Table2,
  Wallet,
} from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type * as React from "react";
import { useEffect, useState } from "react";

import { useApp } from "@/components/providers";
import { ThemeToggle } from "@/components/theme-toggle";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { cn } from "@/lib/utils";

export const NAV = [
  { href: "/", label: "Overview", icon: LayoutDashboard },
  { href: "/positions/", label: "Positions", icon: Wallet },
  { href: "/chain/", label: "Option chain", icon: Table2 },
  { href: "/agents/", label: "Agents", icon: Bot },
  { href: "/approvals/", label: "Approvals", icon: ListChecks },
  { href: "/orders/", label: "Orders & fills", icon: ReceiptText },
  { href: "/audit/", label: "Audit", icon: ScrollText },
  { href: "/backtests/", label: "Backtests", icon: FlaskConical },
] as const;

function isActive(pathname: string, href: string): boolean {
  const p = pathname.endsWith("/") ? pathname : `${pathname}/`;
  return href === "/" ? p === "/" : p.startsWith(href);
}

function NavLinks({ onNavigate }: { onNavigate?: () => void }) {
  const pathname = usePathname();
  return (
    <nav className="flex flex-col gap-1" aria-label="Main">
      {NAV.map(({ href, label, icon: Icon }) => (
        <Link
          key={href}
          href={href}
          onClick={onNavigate}
          aria-current={isActive(pathname, href) ? "page" : undefined}
          className={cn(
            "flex items-center gap-2 rounded-md px-3 py-2 text-sm hover:bg-accent",
            isActive(pathname, href) && "bg-accent font-medium",
          )}
        >
          <Icon className="size-4" />
          {label}
        </Link>
      ))}
    </nav>
  );
}

function StreamDot() {
  const { streamState } = useApp();
  const color = { live: "bg-success", connecting: "bg-warning", offline: "bg-destructive" }[streamState];
  return (
    <span className="text-muted-foreground flex items-center gap-1.5 text-xs" data-testid="stream-state">
      <span className={cn("size-2 rounded-full", color)} />
      {streamState}
    </span>
  );
}

/** The signed-in frame of every page: navigation, user, theme, stream state. Sends a visitor
 * without a session to the login page. */
export function AppShell({ title, actions, children }: { title: string; actions?: React.ReactNode; children: React.ReactNode }) {
  const { session, ready, signOut } = useApp();
  const router = useRouter();
  const [open, setOpen] = useState(false);

  useEffect(() => {
    if (ready && !session) {
      const next = window.location.pathname + window.location.search;
      router.replace(`/login/?next=${encodeURIComponent(next)}`);
    }
  }, [ready, session, router]);

  if (!session) return <div className="min-h-screen" aria-busy="true" />;

  return (
    <div className="min-h-screen md:grid md:grid-cols-[13rem_1fr]">
      <aside className="bg-card hidden border-r p-3 md:flex md:flex-col md:gap-4">
        <div className="flex items-center gap-2 px-2 pt-1 font-semibold">
          <Activity className="size-5" /> optionswarm
        </div>
        <NavLinks />
      </aside>
      <div className="min-w-0">
        <header className="bg-background/95 sticky top-0 z-30 flex items-center gap-2 border-b px-3 py-2 backdrop-blur md:px-6">
          <Button variant="ghost" size="icon" className="md:hidden" onClick={() => setOpen((o) => !o)} aria-label="Menu">
            <Menu />
          </Button>
          <h1 className="truncate text-lg font-semibold">{title}</h1>
          <div className="ml-auto flex items-center gap-2">
            <StreamDot />
            <span className="hidden text-sm sm:inline" data-testid="user">
              {session.username}
            </span>
            <Badge variant="outline" data-testid="role">
              {session.role}
            </Badge>
            <ThemeToggle />
            <Button variant="ghost" size="icon" onClick={signOut} aria-label="Sign out">
              <LogOut />
            </Button>
          </div>
        </header>
        {open && (
          <div className="bg-card border-b p-2 md:hidden">
            <NavLinks onNavigate={() => setOpen(false)} />
          </div>
        )}
        <main className="flex flex-col gap-4 p-3 md:p-6">
          {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
          {children}
        </main>
      </div>
    </div>
  );
}

/** A one-line error banner for a failed request. */
export function ErrorNote({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  return (
    <div role="alert" className="border-destructive/50 text-destructive rounded-md border px-3 py-2 text-sm">
      {error.message}
    </div>
  );
}
