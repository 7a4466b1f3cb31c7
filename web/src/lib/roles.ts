import type { Role } from "./types";

/** A permission as the server names it (GET /api/auth/me lists the caller's). */
export type Permission =
  | "read"
  | "orders.write"
  | "risk.kill"
  | "replay.control"
  | "backtests.run"
  | "approvals.decide"
  | "risk.breakers"
  | "risk.release"
  | "config.write"
  | "audit.export";

/** The role table of notes/api-contract.md, used until /api/auth/me has answered. */
const GRANTS: Record<Role, readonly Permission[]> = {
  viewer: ["read"],
  trader: ["read", "orders.write", "risk.kill", "replay.control", "backtests.run"],
  approver: ["read", "approvals.decide", "risk.kill"],
  admin: [
    "read",
    "orders.write",
    "risk.kill",
    "replay.control",
    "backtests.run",
    "approvals.decide",
    "risk.breakers",
    "risk.release",
    "config.write",
    "audit.export",
  ],
};

/** Whether the signed-in user may do `p`. The server enforces every route; the dashboard uses
 * this only to leave out what would be refused. */
export function can(
  who: { role: Role; permissions?: readonly string[] } | null | undefined,
  p: Permission,
): boolean {
  if (!who) return false;
  if (who.permissions) return who.permissions.includes(p);
  return GRANTS[who.role]?.includes(p) ?? false;
}
