import type { Role } from "./types";

/** The signed-in user, kept in sessionStorage (gone when the tab closes). */
export interface Session {
  token: string;
  username: string;
  role: Role;
  permissions?: string[];
  expiresAt: number; // epoch ms
}

const KEY = "optionswarm.session";

export function loadSession(): Session | null {
  if (typeof window === "undefined") return null;
  const raw = window.sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    if (!s.token || s.expiresAt <= Date.now()) {
      clearSession();
      return null;
    }
    return s;
  } catch {
    clearSession();
    return null;
  }
}

export function saveSession(s: Session): void {
  window.sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  if (typeof window !== "undefined") window.sessionStorage.removeItem(KEY);
}
