import "server-only";
import pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";
import { loadConfig } from "@/lib/config";
import { RateLimitedError } from "@/lib/errors";

/**
 * Rate limits shared by every app instance: rate-limiter-flexible with its PostgreSQL store
 * on the `rate_limits` table (created by the migrations, hence `tableCreated`). One small
 * pool per process. Each limit has a name, a budget of points per window and, optionally, a
 * block once the budget is spent.
 */
export interface LimitSpec {
  points: number;
  durationSeconds: number;
  /** Keep refusing this long once over budget (default: until the window ends). */
  blockSeconds?: number;
}

/** The limits of the portal's request paths that are cheap to call and worth abusing (per user or client). */
export const LIMITS = {
  /** Signed-cookie (re)issue: the player refreshes at 75 % of the stream lifetime; a page reload asks again. */
  mediaSession: { points: 30, durationSeconds: 60 },
  /** Starting uploads (each creates rows and a multipart upload in storage). */
  uploadStart: { points: 120, durationSeconds: 3600 },
} satisfies Record<string, LimitSpec>;

const g = globalThis as unknown as { __rateLimitPool?: pg.Pool; __rateLimiters?: Map<string, RateLimiterPostgres> };

function pool(): pg.Pool {
  if (!g.__rateLimitPool) {
    g.__rateLimitPool = new pg.Pool({ connectionString: loadConfig().database.url, max: 4 });
    // An idle connection dropped by the server (restart, failover) must not crash the process.
    g.__rateLimitPool.on("error", (err) => console.error(`rate limits: idle database connection lost: ${err.message}`));
  }
  return g.__rateLimitPool;
}

/** Closes this process's rate-limit connections (shutdown, tests). */
export async function closeRateLimits(): Promise<void> {
  const p = g.__rateLimitPool;
  g.__rateLimitPool = undefined;
  g.__rateLimiters = undefined;
  await p?.end();
}

export function limiter(name: string, spec: LimitSpec): RateLimiterPostgres {
  const limiters = (g.__rateLimiters ??= new Map());
  const id = `${name}:${spec.points}/${spec.durationSeconds}/${spec.blockSeconds ?? 0}`;
  let l = limiters.get(id);
  if (!l) {
    l = new RateLimiterPostgres({
      storeClient: pool(),
      tableName: "rate_limits",
      tableCreated: true,
      keyPrefix: name,
      points: spec.points,
      duration: spec.durationSeconds,
      blockDuration: spec.blockSeconds ?? 0,
      clearExpiredByTimeout: false,
    });
    limiters.set(id, l);
  }
  return l;
}

function retryAfter(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return seconds < 90 ? `${seconds} second${seconds === 1 ? "" : "s"}` : `${m} minute${m === 1 ? "" : "s"}`;
}

/** The message of a 429: what happened and when to try again. */
export function tooManyMessage(what: string, seconds: number): string {
  return `Too many ${what}. Try again in ${minutes(seconds)}.`;
}

/** Spends one point of `key`; throws RateLimitedError (429, Retry-After) when over budget. */
export async function consume(l: RateLimiterPostgres, key: string, what: string, points = 1): Promise<void> {
  try {
    await l.consume(key, points);
  } catch (err) {
    if (err instanceof RateLimiterRes) {
      const seconds = retryAfter(err);
      throw new RateLimitedError(tooManyMessage(what, seconds), seconds);
    }
    throw err;
  }
}

/** Seconds until `key` may act again (0 = within budget), without spending a point. */
export async function blockedFor(l: RateLimiterPostgres, key: string): Promise<number> {
  const res = await l.get(key);
  if (!res || res.consumedPoints <= l.points) return 0;
  return retryAfter(res);
}

/** Forgets a key (e.g. failures after a successful sign-in). */
export async function reset(l: RateLimiterPostgres, key: string): Promise<void> {
  await l.delete(key);
}

/** Gives back points spent by `consume` (e.g. an attempt that turned out to be legitimate). */
export async function refund(l: RateLimiterPostgres, key: string, points = 1): Promise<void> {
  await l.reward(key, points);
}
