"use client";

import { memo } from "react";

import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { nsToUtc } from "@/lib/format";
import type { Breaker } from "@/lib/types";

/** Each circuit breaker: armed or tripped, why, when; a reset button for those allowed. */
export const BreakerList = memo(function BreakerList({
  breakers,
  onReset,
}: {
  breakers: Breaker[];
  onReset?: (name: string) => void;
}) {
  if (breakers.length === 0) return <p className="text-muted-foreground text-sm">No circuit breakers configured.</p>;
  return (
    <ul className="flex flex-col gap-2" data-testid="breakers">
      {breakers.map((b) => (
        <li key={b.name} className="flex flex-wrap items-center gap-2 rounded-md border px-3 py-2">
          <span className="font-mono text-sm">{b.name}</span>
          <Badge variant={b.tripped ? "destructive" : "success"}>{b.tripped ? "TRIPPED" : "armed"}</Badge>
          {b.tripped && (
            <span className="text-muted-foreground basis-full text-sm sm:basis-auto">
              {b.reason ?? "no reason given"} · {nsToUtc(b.tripped_ns)}
            </span>
          )}
          {b.tripped && b.needs_reset && onReset && (
            <Button size="sm" variant="outline" className="ml-auto" onClick={() => onReset(b.name)}>
              Reset
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
});
