import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { AppProvider } from "@/components/providers";
import { portfolio, risk, status } from "@/test/fixtures";
import { fakeServer, installFakeSocket, routerCalls, signInAs } from "@/test/harness";

import OverviewPage from "./page";

function renderPage() {
  return render(
    <AppProvider>
      <OverviewPage />
    </AppProvider>,
  );
}

describe("Overview page", () => {
  it("shows state, P&L and each breaker with why it tripped", async () => {
    installFakeSocket();
    signInAs("viewer");
    fakeServer({ "GET /api/status": () => status(), "GET /api/portfolio": () => portfolio, "GET /api/risk": () => risk() });
    renderPage();
    expect(await screen.findByText("ACTIVE")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("pnl-today")).toHaveTextContent("-$1,234.50"));
    expect(screen.getByTestId("breakers")).toHaveTextContent("stale_data");
    expect(screen.getByTestId("breakers")).toHaveTextContent("no quote for 30 s");
    expect(screen.getByText("MODELLED DATA")).toBeInTheDocument();
    // a viewer gets neither the kill switch nor a reset
    expect(screen.queryByTestId("kill-switch")).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Reset" })).not.toBeInTheDocument();
  });

  it("lets a trader pull the kill switch, then shows HALTED", async () => {
    installFakeSocket();
    signInAs("trader", "tom");
    let halted = false;
    const server = fakeServer({
      "GET /api/status": () => status(halted ? { trading_state: "HALTED", kill_engaged: true } : {}),
      "GET /api/portfolio": () => portfolio,
      "GET /api/risk": () => risk(halted ? { trading_state: "HALTED", kill_engaged: true } : {}),
      "POST /api/risk/kill": () => {
        halted = true;
        return { action: "kill", actor: "tom" };
      },
    });
    renderPage();
    await userEvent.click(await screen.findByTestId("kill-switch"));
    await userEvent.type(screen.getByLabelText("Reason"), "drill");
    await userEvent.click(screen.getByTestId("kill-confirm"));
    await waitFor(() => expect(screen.getByTestId("trading-state")).toHaveTextContent("HALTED"));
    expect(server.calls.find((c) => c.method === "POST")?.body).toEqual({ reason: "drill" });
    expect(screen.getByTestId("kill-switch")).toBeDisabled();
    // a trader may not release: only an admin
    expect(screen.queryByTestId("release")).not.toBeInTheDocument();
  });

  it("sends a visitor without a session to the login page", async () => {
    installFakeSocket();
    renderPage();
    await waitFor(() => expect(routerCalls).toEqual(["/login/?next=%2F"]));
  });
});
