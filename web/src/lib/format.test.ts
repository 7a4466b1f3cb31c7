import { describe, expect, it } from "vitest";

import { countdown, money, nsToTime, nsToUtc, pct, shortHash, signedMoney } from "./format";
import { isWorking, parseLegs } from "./orders";

describe("format", () => {
  it("formats nanosecond timestamps in UTC", () => {
    const ns = Date.UTC(2018, 2, 2, 15, 30, 5) * 1e6;
    expect(nsToUtc(ns)).toBe("2018-03-02 15:30:05");
    expect(nsToTime(ns)).toBe("15:30:05");
    expect(nsToUtc(null)).toBe("—");
  });

  it("counts down in minutes and seconds, hours when long, and says expired", () => {
    expect(countdown(245.9)).toBe("4m 05s");
    expect(countdown(3 * 3600 + 7 * 60)).toBe("3h 07m");
    expect(countdown(0)).toBe("expired");
  });

  it("formats money, signs and percentages; null is a dash", () => {
    expect(money(1234.5)).toBe("$1,234.50");
    expect(signedMoney(12)).toBe("+$12.00");
    expect(signedMoney(-12)).toBe("-$12.00");
    expect(money(null)).toBe("—");
    expect(pct(0.1234)).toBe("12.3%");
    expect(shortHash("abcdefghijklmnop", 4)).toBe("abcd…");
  });
});

describe("orders", () => {
  it("parses legs one a line, with an optional ratio", () => {
    expect(parseLegs("sell SPX-P2600\n\nbuy 2 SPX-P2550")).toEqual([
      { side: "sell", ratio: 1, symbol: "SPX-P2600" },
      { side: "buy", ratio: 2, symbol: "SPX-P2550" },
    ]);
  });

  it("names the line it cannot read", () => {
    expect(() => parseLegs("buy\nhold X")).toThrow(/line 1/);
    expect(() => parseLegs("  ")).toThrow(/at least one leg/);
  });

  it("knows which states can still be cancelled", () => {
    expect(isWorking("working")).toBe(true);
    expect(isWorking("pending_approval")).toBe(true);
    expect(isWorking("filled")).toBe(false);
    expect(isWorking("denied")).toBe(false);
  });
});
