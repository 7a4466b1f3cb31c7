import { describe, expect, it } from "vitest";

import { byStrike, smile, termStructure } from "./chain";
import type { ChainRow } from "./types";

function row(expiry: string, dte: number, strike: number, right: "C" | "P", iv: number | null): ChainRow {
  return { symbol: `X-${expiry}-${right}${strike}`, expiry, dte, strike, right, bid: 1, ask: 1.2, mid: 1.1, iv, delta: 0.5, gamma: 0.01, vega: 0.1, theta: -0.05 };
}

const rows: ChainRow[] = [
  row("2018-03-16", 14, 110, "C", 0.18),
  row("2018-03-16", 14, 100, "P", 0.22),
  row("2018-03-16", 14, 100, "C", 0.2),
  row("2018-03-16", 14, 90, "P", 0.27),
  row("2018-04-20", 49, 100, "C", 0.19),
  row("2018-04-20", 49, 100, "P", 0.21),
  row("2018-04-20", 49, 105, "C", null),
];

describe("byStrike", () => {
  it("pairs calls and puts of one expiry by ascending strike", () => {
    const s = byStrike(rows, "2018-03-16");
    expect(s.map((r) => r.strike)).toEqual([90, 100, 110]);
    expect(s[1]?.call?.iv).toBe(0.2);
    expect(s[1]?.put?.iv).toBe(0.22);
    expect(s[0]?.call).toBeUndefined();
  });
});

describe("smile", () => {
  it("gives IV in percent per strike, leaving a missing side out", () => {
    expect(smile(rows, "2018-03-16")).toEqual([
      { strike: 90, call: undefined, put: 27 },
      { strike: 100, call: 20, put: 22 },
      { strike: 110, call: 18, put: undefined },
    ]);
  });
});

describe("termStructure", () => {
  it("averages call and put IV at the strike nearest spot, by days to expiry", () => {
    const t = termStructure(rows, 101);
    expect(t.map((p) => p.expiry)).toEqual(["2018-03-16", "2018-04-20"]);
    expect(t[0]?.iv).toBeCloseTo(21, 6);
    expect(t[1]?.iv).toBeCloseTo(20, 6);
  });

  it("ignores strikes without an IV when finding the money", () => {
    const t = termStructure(rows, 104);
    expect(t[1]?.iv).toBeCloseTo(20, 6); // 105 has no IV, so 100 is used
  });
});
