import { act, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { AppProvider } from "@/components/providers";
import { FakeSocket, installFakeSocket, signInAs } from "@/test/harness";

import { describeEvent, EventTicker } from "./event-ticker";

const ev = (type: string, data: Record<string, unknown>, seq = 1) => ({ type, ts_ns: 1, seq, data });

describe("describeEvent", () => {
  it("says what each kind of event is about", () => {
    expect(describeEvent(ev("fill", { side: "sell", quantity: 2, symbol: "SPX   180316P02600000", price: 3.1 }))).toBe(
      "sell 2 SPX180316P02600000 @ 3.1",
    );
    expect(describeEvent(ev("breaker", { breaker: "daily_loss", code: "DAILY_LOSS", message: "lost 3%" }))).toBe(
      "daily_loss tripped: lost 3%",
    );
    expect(describeEvent(ev("breaker", { breaker: "daily_loss", actor: "ada", role: "admin" }))).toBe("daily_loss reset by ada");
    expect(describeEvent(ev("state", { previous: "ACTIVE", current: "HALTED", message: "kill" }))).toBe("trading ACTIVE → HALTED kill");
    expect(describeEvent(ev("state", { actor: "ann", reason: "test", flatten: false }))).toBe("KILL SWITCH by ann : test");
    expect(describeEvent(ev("approval", { request: { request_id: "apr-1", structure: "short_put" } }))).toBe(
      "approval requested apr-1 short_put",
    );
    expect(describeEvent(ev("order", { client_order_id: "o1", previous: "working", state: "filled", message: "" }))).toBe(
      "o1 working → filled",
    );
  });
});

describe("EventTicker", () => {
  it("shows stream events newest first and leaves quotes out", async () => {
    installFakeSocket();
    signInAs("viewer");
    render(
      <AppProvider>
        <EventTicker />
      </AppProvider>,
    );
    expect(screen.getByText("Waiting for events…")).toBeInTheDocument();
    await act(async () => {
      await Promise.resolve();
    });
    const sock = FakeSocket.last;
    expect(sock?.url).toBe("ws://localhost:3000/api/stream?token=token-viewer1");
    act(() => {
      sock?.emit(ev("quote", { symbol: "SPX", close: 2700 }, 1));
      sock?.emit(ev("order", { client_order_id: "o1", previous: "new", state: "working", message: "" }, 2));
      sock?.emit(ev("fill", { side: "buy", quantity: 1, symbol: "SPX", price: 2 }, 3));
    });
    const items = await screen.findAllByRole("listitem");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("buy 1 SPX @ 2");
    expect(items[1]).toHaveTextContent("o1 new → working");
  });
});
