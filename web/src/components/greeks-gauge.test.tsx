import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { GreeksGauge, usage } from "./greeks-gauge";

describe("usage", () => {
  it("is |value| over |limit|, or null without a limit", () => {
    expect(usage(-250, 500)).toBe(0.5);
    expect(usage(120, -100)).toBeCloseTo(1.2);
    expect(usage(5, null)).toBeNull();
    expect(usage(5, 0)).toBeNull();
  });
});

describe("GreeksGauge", () => {
  it("shows the share of the limit used, the value and the limit", () => {
    render(<GreeksGauge name="vega" value={-300} limit={400} />);
    const g = screen.getByTestId("gauge-vega");
    expect(g).toHaveTextContent("75%");
    expect(g).toHaveTextContent("-300.00 / 400.00");
  });

  it("shows the value and says so when a Greek has no limit", () => {
    render(<GreeksGauge name="gamma" value={-12500} limit={null} />);
    expect(screen.getByTestId("gauge-gamma")).toHaveTextContent("-12.5K");
    expect(screen.getByTestId("gauge-gamma")).toHaveTextContent("no limit set");
  });
});
