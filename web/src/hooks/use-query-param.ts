"use client";

import { useCallback, useEffect, useState } from "react";

/** A query-string parameter of the current page (static pages take ids this way, not in the
 * path), and a setter that updates the address without a reload. */
export function useQueryParam(name: string): [string | null, (v: string | null) => void] {
  const [value, setValue] = useState<string | null>(null);
  useEffect(() => {
    const read = () => setValue(new URLSearchParams(window.location.search).get(name));
    read();
    window.addEventListener("popstate", read);
    return () => window.removeEventListener("popstate", read);
  }, [name]);
  const set = useCallback(
    (v: string | null) => {
      const url = new URL(window.location.href);
      if (v === null || v === "") url.searchParams.delete(name);
      else url.searchParams.set(name, v);
      window.history.pushState(null, "", url);
      setValue(v);
    },
    [name],
  );
  return [value, set];
}
