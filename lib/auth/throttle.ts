import "server-only";
import { appConfig } from "@/lib/config";
import { blockedFor, consume, limiter, reset } from "@/lib/rate-limit";

/**
 * Sign-in throttling, kept in PostgreSQL (lib/rate-limit) so it holds across app instances and
 * restarts. Both limits key on the client address the app server computed (lib/ops/client-ip:
 * the socket and TRUST_PROXY_HOPS trusted proxies), never on a header the client writes.
 *
 * - Attempts per client: AUTH_CLIENT_MAX_ATTEMPTS per AUTH_CLIENT_WINDOW_MINUTES, whatever the
 *   email or outcome, spent before any password is hashed (bounds guessing across accounts and
 *   the argon2 work one client can cause).
 * - Failures per (email, client): after AUTH_MAX_FAILURES failures within AUTH_WINDOW_MINUTES the
 *   pair is locked for the same window.
 */
function failures() {
  const { maxFailures, windowMinutes } = appConfig().auth;
  return limiter("signin-fail", { points: maxFailures, durationSeconds: windowMinutes * 60 });
}

/** Spends one sign-in attempt of `ip`; throws RateLimitedError ("Too many sign-in attempts…") when over budget. */
export async function countAttempt(ip: string): Promise<void> {
  await consume(limiter("signin-client", appConfig().auth.clientAttempts), ip, "sign-in attempts");
}

export function throttleKey(email: string, ip: string): string {
  return `${email.trim().toLowerCase()}|${ip}`;
}

/** Seconds the pair must still wait (0 = may try). */
export async function lockedFor(key: string): Promise<number> {
  const l = failures();
  const res = await l.get(key);
  if (!res || res.consumedPoints < l.points) return blockedFor(l, key);
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

export async function recordFailure(key: string): Promise<void> {
  const l = failures();
  const res = await l.penalty(key, 1);
  // The last allowed failure locks the pair for a whole window from now.
  if (res.consumedPoints >= l.points) await l.block(key, appConfig().auth.windowMinutes * 60);
}

export async function clearFailures(key: string): Promise<void> {
  await reset(failures(), key);
}
