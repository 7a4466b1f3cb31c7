"use client";

import { useCallback, useEffect, useRef, useState } from "react";

import { useApp, useStreamEvents } from "@/components/providers";
import type { ApiClient } from "@/lib/api";

export interface ApiState<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

interface Options {
  /** Stream event types after which the data is fetched again. */
  refreshOn?: readonly string[];
  /** At most one refetch per this many ms caused by events (bursts coalesce). */
  throttleMs?: number;
  /** Also refetch on a timer (ms); 0 = never. */
  pollMs?: number;
  enabled?: boolean;
}

/** Fetch with the API client once signed in; refetch on matching stream events and on demand. */
export function useApi<T>(
  fetcher: (api: ApiClient) => Promise<T>,
  deps: readonly unknown[],
  { refreshOn, throttleMs = 100, pollMs = 0, enabled = true }: Options = {},
): ApiState<T> {
  const { api, session } = useApp();
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const inFlight = useRef(false);
  const again = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const live = session !== null && enabled;

  const run = useCallback(async () => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    inFlight.current = true;
    try {
      do {
        again.current = false;
        const d = await fetcherRef.current(api);
        setData(d);
        setError(null);
      } while (again.current);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      inFlight.current = false;
      setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    if (!live) return;
    void run();
    if (!pollMs) return;
    const id = setInterval(() => void run(), pollMs);
    return () => clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [live, run, pollMs, ...deps]);

  useEffect(() => () => clearTimeout(timer.current), []);

  useStreamEvents(
    () => {
      if (!live || timer.current !== undefined) return;
      timer.current = setTimeout(() => {
        timer.current = undefined;
        void run();
      }, throttleMs);
    },
    refreshOn ?? ["__none__"],
  );

  return { data, error, loading, reload: () => void run() };
}
