import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, vi } from "vitest";

// The App Router is not mounted in component tests: a router that records where it was sent
// (in globalThis.__routerCalls, read by test/harness.tsx).
const g = globalThis as unknown as { __routerCalls: string[] };
g.__routerCalls = [];
vi.mock("next/navigation", () => ({
  useRouter: () => ({
    replace: (href: string) => (globalThis as unknown as { __routerCalls: string[] }).__routerCalls.push(href),
    push: (href: string) => (globalThis as unknown as { __routerCalls: string[] }).__routerCalls.push(href),
    prefetch: () => undefined,
    back: () => undefined,
  }),
  usePathname: () => window.location.pathname,
}));

// recharts' ResponsiveContainer needs a ResizeObserver, which jsdom lacks.
class NoResize {
  observe(): void {}
  unobserve(): void {}
  disconnect(): void {}
}
globalThis.ResizeObserver ??= NoResize as unknown as typeof ResizeObserver;

afterEach(() => {
  cleanup();
  sessionStorage.clear();
  g.__routerCalls.length = 0;
  vi.unstubAllGlobals();
});
