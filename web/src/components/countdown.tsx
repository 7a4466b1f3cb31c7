"use client";

import { useEffect, useState } from "react";

import { useApp } from "@/components/providers";
import { countdown } from "@/lib/format";
import { cn } from "@/lib/utils";

/** Time left until `untilNs` on the node's clock, ticking every second; red under a minute. */
export function Countdown({ untilNs }: { untilNs: number }) {
  const { serverNowNs } = useApp();
  const [now, setNow] = useState(() => serverNowNs());
  useEffect(() => {
    const id = setInterval(() => setNow(serverNowNs()), 1000);
    return () => clearInterval(id);
  }, [serverNowNs]);
  const left = (untilNs - now) / 1e9;
  return (
    <span
      className={cn("num font-mono text-sm", left < 60 ? "text-destructive" : left < 300 ? "text-warning" : "")}
      data-testid="countdown"
      title="on the node's clock (replay time)"
    >
      {countdown(left)}
    </span>
  );
}
