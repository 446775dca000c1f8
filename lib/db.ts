import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * Reads DATABASE_URL directly (not through lib/env) so processes that only need the
 * database — the worker, the seed — do not need the app's secrets.
 */
export function createPrismaClient(url: string = process.env.DATABASE_URL ?? "file:./var/dev.db"): PrismaClient {
  // timeout: wait for a lock held by another process (app, worker, seed) instead of failing.
  const adapter = new PrismaBetterSQLite3({ url, timeout: 10_000 });
  return new PrismaClient({ adapter });
}

const globalForPrisma = globalThis as unknown as { __prisma?: PrismaClient };

/** One client per process (hot reload keeps it on globalThis). */
export const db: PrismaClient = (globalForPrisma.__prisma ??= createPrismaClient());

export type { PrismaClient };
