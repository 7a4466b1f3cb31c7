import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import { KillSwitch } from "./kill-switch";

describe("KillSwitch", () => {
  it("asks for a confirmation, then halts with the reason given", async () => {
    const onKill = vi.fn(async (_reason: string) => undefined);
    render(<KillSwitch onKill={onKill} />);
    await userEvent.click(screen.getByRole("button", { name: /kill switch/i }));
    expect(onKill).not.toHaveBeenCalled();
    expect(screen.getByRole("alertdialog")).toHaveTextContent("Halt all trading?");
    await userEvent.type(screen.getByLabelText("Reason"), "feed looks wrong");
    await userEvent.click(screen.getByRole("button", { name: "Halt trading" }));
    expect(onKill).toHaveBeenCalledWith("feed looks wrong");
    await waitFor(() => expect(screen.queryByRole("alertdialog")).not.toBeInTheDocument());
  });

  it("does nothing when cancelled", async () => {
    const onKill = vi.fn(async () => undefined);
    render(<KillSwitch onKill={onKill} />);
    await userEvent.click(screen.getByRole("button", { name: /kill switch/i }));
    await userEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(onKill).not.toHaveBeenCalled();
  });

  it("stays open and shows the server's refusal", async () => {
    const onKill = vi.fn(async () => {
      throw new Error("risk.kill required");
    });
    render(<KillSwitch onKill={onKill} />);
    await userEvent.click(screen.getByRole("button", { name: /kill switch/i }));
    await userEvent.click(screen.getByRole("button", { name: "Halt trading" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("risk.kill required");
    expect(screen.getByRole("alertdialog")).toBeInTheDocument();
  });
});
