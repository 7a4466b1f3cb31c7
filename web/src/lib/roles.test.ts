import { describe, expect, it } from "vitest";

import { can } from "./roles";

describe("can", () => {
  it("follows the contract's role table when the server's list is not known", () => {
    expect(can({ role: "viewer" }, "approvals.decide")).toBe(false);
    expect(can({ role: "viewer" }, "risk.kill")).toBe(false);
    expect(can({ role: "trader" }, "orders.write")).toBe(true);
    expect(can({ role: "trader" }, "approvals.decide")).toBe(false);
    expect(can({ role: "approver" }, "approvals.decide")).toBe(true);
    expect(can({ role: "approver" }, "orders.write")).toBe(false);
    expect(can({ role: "approver" }, "risk.kill")).toBe(true);
    expect(can({ role: "admin" }, "audit.export")).toBe(true);
    expect(can({ role: "trader" }, "risk.release")).toBe(false);
  });

  it("prefers the permissions the server listed", () => {
    expect(can({ role: "admin", permissions: ["read"] }, "audit.export")).toBe(false);
    expect(can({ role: "viewer", permissions: ["read", "risk.kill"] }, "risk.kill")).toBe(true);
  });

  it("refuses everything without a user", () => {
    expect(can(null, "read")).toBe(false);
  });
});
