import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { AppProvider } from "@/components/providers";
import { fakeServer, Reply, routerCalls } from "@/test/harness";

import LoginPage from "./page";

function renderPage() {
  return render(
    <AppProvider>
      <LoginPage />
    </AppProvider>,
  );
}

describe("Login page", () => {
  it("keeps the token and the role's permissions in sessionStorage, then opens the overview", async () => {
    fakeServer({
      "POST /api/auth/login": () => ({ access_token: "jwt-1", token_type: "bearer", expires_in: 900, username: "ann", role: "approver" }),
      "GET /api/auth/me": () => ({ username: "ann", role: "approver", permissions: ["read", "approvals.decide", "risk.kill"] }),
    });
    renderPage();
    await userEvent.type(screen.getByLabelText("Username"), "ann");
    await userEvent.type(screen.getByLabelText("Password"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(routerCalls).toEqual(["/"]));
    const saved = JSON.parse(sessionStorage.getItem("optionswarm.session") ?? "{}");
    expect(saved).toMatchObject({ token: "jwt-1", username: "ann", role: "approver", permissions: ["read", "approvals.decide", "risk.kill"] });
    expect(localStorage.getItem("optionswarm.session")).toBeNull();
  });

  it("says why a login was refused and keeps no session", async () => {
    fakeServer({
      "POST /api/auth/login": () => {
        throw new Reply(401, { detail: "wrong username or password" });
      },
    });
    renderPage();
    await userEvent.type(screen.getByLabelText("Username"), "ann");
    await userEvent.type(screen.getByLabelText("Password"), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("wrong username or password");
    expect(sessionStorage.getItem("optionswarm.session")).toBeNull();
    expect(routerCalls).toEqual([]);
  });
});
