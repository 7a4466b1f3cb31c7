import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { axisDollars, EquityChart } from "./equity-chart";

describe("axisDollars", () => {
  it("keeps a move of a few dollars on a million visible", () => {
    expect(axisDollars(1_000_042)).toBe("$1,000,042");
    expect(axisDollars(1_000_084.4)).toBe("$1,000,084");
    expect(axisDollars(987_654.5)).toBe("$987,655");
  });
});

describe("EquityChart", () => {
  it("says so when there is no history yet instead of drawing an empty chart", () => {
    render(<EquityChart points={[{ ts_ns: 1, equity: 1e6 }]} />);
    expect(screen.getByText("No equity history yet.")).toBeInTheDocument();
    expect(screen.queryByTestId("equity-chart")).not.toBeInTheDocument();
  });
});
