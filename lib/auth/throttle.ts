import "server-only";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";

/**
 * Sign-in throttling per (email, IP): after AUTH_MAX_FAILURES failures within
 * AUTH_WINDOW_MINUTES the pair is locked for the same window. Stored in the database so
 * it holds across app instances and restarts.
 */
export function throttleKey(email: string, ip: string): string {
  return `${email.trim().toLowerCase()}|${ip}`;
}

export async function lockedFor(key: string, now = new Date()): Promise<number> {
  const row = await db.authThrottle.findUnique({ where: { key } });
  if (!row?.lockedUntil || row.lockedUntil <= now) return 0;
  return Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000);
}

export async function recordFailure(key: string, now = new Date()): Promise<void> {
  const windowMs = appConfig().auth.windowMinutes * 60_000;
  const row = await db.authThrottle.findUnique({ where: { key } });
  const fresh = !row || now.getTime() - row.windowStart.getTime() > windowMs;
  const failures = fresh ? 1 : row.failures + 1;
  const lockedUntil = failures >= appConfig().auth.maxFailures ? new Date(now.getTime() + windowMs) : null;
  await db.authThrottle.upsert({
    where: { key },
    create: { key, failures, windowStart: now, lockedUntil },
    update: { failures, windowStart: fresh ? now : row.windowStart, lockedUntil },
  });
}

export async function clearFailures(key: string): Promise<void> {
  await db.authThrottle.deleteMany({ where: { key } });
}
