import "server-only";
import { appConfig } from "@/lib/config";
import { blockedFor, limiter, reset } from "@/lib/rate-limit";

/**
 * Sign-in throttling per (email, client): after AUTH_MAX_FAILURES failures within
 * AUTH_WINDOW_MINUTES the pair is locked for the same window. Kept in PostgreSQL
 * (lib/rate-limit) so it holds across app instances and restarts.
 */
function failures() {
  const { maxFailures, windowMinutes } = appConfig().auth;
  return limiter("signin-fail", { points: maxFailures, durationSeconds: windowMinutes * 60 });
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
