import "server-only";
import crypto from "node:crypto";
import { appConfig } from "@/lib/config";

/**
 * "Link GitHub" from the account page: a short-lived, signed statement "session S of user U
 * asked to link a GitHub account", kept in an HttpOnly cookie while the browser goes through
 * GitHub's OAuth flow and checked in the sign-in callback (lib/auth/github.ts) against the
 * session the callback request carries. A link is made only to the signed-in user who started
 * it, from the same session, within LINK_INTENT_SECONDS.
 *
 * Format: base64url(JSON { uid, sid, exp }) "." base64url(HMAC-SHA256). The HMAC key is derived
 * from NEXTAUTH_SECRET for this purpose only.
 */
export const LINK_INTENT_COOKIE = "lumen.github-link";
export const LINK_INTENT_SECONDS = 10 * 60;
/** The cookie is sent only to next-auth's routes (the OAuth callback reads it). */
export const LINK_INTENT_PATH = "/api/auth";

export interface LinkIntent {
  uid: string;
  sid: string;
  exp: number;
}

function key(secret: string): Buffer {
  return crypto.createHmac("sha256", secret).update("lumen:github-link-intent:v1").digest();
}

function mac(payload: string, secret: string): string {
  return crypto.createHmac("sha256", key(secret)).update(payload).digest("base64url");
}

/** A signed intent for this user's session, valid LINK_INTENT_SECONDS from `now`. */
export function signLinkIntent(session: { id: string; sessionId: string }, now = Date.now(), secret = appConfig().auth.secret): string {
  const payload = Buffer.from(JSON.stringify({ uid: session.id, sid: session.sessionId, exp: Math.floor(now / 1000) + LINK_INTENT_SECONDS })).toString("base64url");
  return `${payload}.${mac(payload, secret)}`;
}

/** The intent a token states, or null when it is malformed, forged or expired. */
export function readLinkIntent(token: string | undefined, now = Date.now(), secret = appConfig().auth.secret): LinkIntent | null {
  if (!token) return null;
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  try {
    const intent = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Partial<LinkIntent>;
    if (typeof intent.uid !== "string" || typeof intent.sid !== "string" || typeof intent.exp !== "number") return null;
    if (intent.exp * 1000 <= now) return null;
    return { uid: intent.uid, sid: intent.sid, exp: intent.exp };
  } catch {
    return null;
  }
}

/** The Set-Cookie attributes of the intent cookie (the account page's action sets it). */
export function linkIntentCookie(value: string) {
  return {
    name: LINK_INTENT_COOKIE,
    value,
    httpOnly: true,
    sameSite: "lax" as const, // sent on GitHub's redirect back (a top-level GET)
    secure: appConfig().server.publicUrl.startsWith("https://"),
    path: LINK_INTENT_PATH,
    maxAge: LINK_INTENT_SECONDS,
  };
}

/** A Set-Cookie header value that deletes the intent cookie (after the OAuth callback). */
export function clearedLinkIntentCookie(): string {
  return `${LINK_INTENT_COOKIE}=; Path=${LINK_INTENT_PATH}; Max-Age=0; HttpOnly; SameSite=Lax`;
}
