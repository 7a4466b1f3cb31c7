import type * as React from "react";

import { Card, CardContent } from "@/components/ui/card";
import { cn } from "@/lib/utils";

/** A small card with a label and a big figure. */
export function Stat({
  label,
  children,
  className,
  testId,
}: {
  label: string;
  children: React.ReactNode;
  className?: string;
  testId?: string;
}) {
  return (
    <Card className="min-w-0 gap-1 py-3">
      <CardContent className="flex min-w-0 flex-col gap-1">
        <span className="text-muted-foreground text-xs">{label}</span>
        <span className={cn("num truncate text-lg font-semibold sm:text-xl", className)} data-testid={testId}>
          {children}
        </span>
      </CardContent>
    </Card>
  );
}
