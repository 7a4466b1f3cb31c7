import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { EquityChart, kilo } from "./equity-chart";

describe("kilo", () => {
  it("keeps a move of a few hundred dollars on a million visible", () => {
    expect(kilo(1_000_168)).toBe("$1,000.2k");
    expect(kilo(1_000_000)).toBe("$1,000.0k");
    expect(kilo(987_654)).toBe("$987.7k");
  });
});

describe("EquityChart", () => {
  it("says so when there is no history yet instead of drawing an empty chart", () => {
    render(<EquityChart points={[{ ts_ns: 1, equity: 1e6 }]} />);
    expect(screen.getByText("No equity history yet.")).toBeInTheDocument();
    expect(screen.queryByTestId("equity-chart")).not.toBeInTheDocument();
  });
});
