import { act, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { AppProvider } from "@/components/providers";
import { approval } from "@/test/fixtures";
import { FakeSocket, fakeServer, installFakeSocket, Reply, signInAs } from "@/test/harness";
import type { Approval } from "@/lib/types";

import ApprovalsPage from "./page";

function renderPage() {
  return render(
    <AppProvider>
      <ApprovalsPage />
    </AppProvider>,
  );
}

describe("Approvals page", () => {
  it("shows a request's structure, max loss, Greeks impact, checks and four-eyes progress", async () => {
    installFakeSocket();
    signInAs("approver", "ann");
    fakeServer({ "GET /api/approvals": () => [approval()] });
    renderPage();
    const card = await screen.findByTestId("approval-card");
    expect(card).toHaveTextContent("short_put_spread · sp500 × 1");
    expect(within(card).getByTestId("max-loss")).toHaveTextContent("$4,200.00");
    expect(card).toHaveTextContent("max_loss_over");
    expect(card).toHaveTextContent("+60.00"); // delta 100 -> 160
    expect(card).toHaveTextContent("62% in one expiry");
    expect(card).toHaveTextContent("bullish consensus, volatility rich");
    expect(within(card).getByTestId("four-eyes")).toHaveTextContent("0 of 2 approvals");
    expect(within(card).getByTestId("countdown").textContent).toMatch(/^\d+m \d\ds$/);
  });

  it("lets an approver approve with a comment, and shows the next state", async () => {
    installFakeSocket();
    signInAs("approver", "ann");
    let current: Approval = approval();
    const server = fakeServer({
      "GET /api/approvals": () => [current],
      "POST /api/approvals/apr-1/approve": (init) => {
        const { comment } = JSON.parse(String(init?.body)) as { comment: string };
        current = approval({ status: "approved_partial", approvers: ["ann"], comment });
        return current;
      },
    });
    renderPage();
    await userEvent.type(await screen.findByLabelText("Comment"), "within limits");
    await userEvent.click(screen.getByTestId("approve"));
    await waitFor(() => expect(screen.getByTestId("four-eyes")).toHaveTextContent("1 of 2 approvals: ann"));
    const post = server.calls.find((c) => c.method === "POST");
    expect(post).toMatchObject({ path: "/api/approvals/apr-1/approve", body: { comment: "within limits" }, auth: "Bearer token-ann" });
    // the same approver is not offered a second vote
    expect(screen.queryByTestId("approve")).not.toBeInTheDocument();
  });

  it("offers a viewer no approve or reject button", async () => {
    installFakeSocket();
    signInAs("viewer", "vic");
    fakeServer({ "GET /api/approvals": () => [approval()] });
    renderPage();
    await screen.findByTestId("approval-card");
    expect(screen.queryByTestId("approve")).not.toBeInTheDocument();
    expect(screen.queryByTestId("reject")).not.toBeInTheDocument();
    expect(screen.getByText(/can watch the queue but not decide/)).toBeInTheDocument();
  });

  it("shows the server's refusal of a decision", async () => {
    installFakeSocket();
    signInAs("approver", "ann");
    fakeServer({
      "GET /api/approvals": () => [approval()],
      "POST /api/approvals/apr-1/reject": () => {
        throw new Reply(409, { detail: { code: "expired", message: "the request expired" } });
      },
    });
    renderPage();
    await userEvent.click(await screen.findByTestId("reject"));
    expect(await screen.findByRole("alert")).toHaveTextContent("the request expired");
  });

  it("adds a new request when the stream announces it", async () => {
    installFakeSocket();
    signInAs("approver", "ann");
    let list: Approval[] = [];
    fakeServer({ "GET /api/approvals": () => list });
    renderPage();
    expect(await screen.findByText("Nothing waits for a decision.")).toBeInTheDocument();
    list = [approval({ request_id: "apr-9" })];
    await act(async () => {
      await Promise.resolve();
    });
    act(() => FakeSocket.last?.emit({ type: "approval", seq: 5, data: { request: { request_id: "apr-9" } } }));
    const card = await screen.findByTestId("approval-card");
    expect(card).toHaveAttribute("data-request-id", "apr-9");
  });
});
