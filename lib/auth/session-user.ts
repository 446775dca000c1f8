import "server-only";
import { db } from "@/lib/db";
import type { Viewer } from "@/lib/access/policy";

export interface CurrentUser extends Viewer {
  email: string;
  name: string;
  /** The session's random id (JWT `sid`, set at sign-in): the same for every request of one session. */
  sessionId: string;
}

/** What a session's JWT says about its user (lib/auth/options.ts `jwt` callback). */
export interface SessionClaims {
  uid?: string;
  /** The user's sessionVersion when the session was issued. */
  sv?: number;
  sid?: string;
}

/**
 * The user a session stands for, read fresh from the database; null when that session has
 * ended: the account is gone or disabled, or its sessionVersion moved on since the session was
 * issued (role change, disabling, "sign out everywhere"). Sessions issued before `sv` and `sid`
 * existed have ended too.
 */
export async function userForSession(claims: SessionClaims | null | undefined): Promise<CurrentUser | null> {
  if (!claims?.uid || typeof claims.sv !== "number" || !claims.sid) return null;
  const user = await db.user.findUnique({
    where: { id: claims.uid },
    select: { id: true, email: true, name: true, role: true, disabled: true, sessionVersion: true },
  });
  if (!user || user.disabled || user.sessionVersion !== claims.sv) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionId: claims.sid };
}
