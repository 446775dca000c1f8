import "server-only";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { loadConfig } from "@/lib/config";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";

/** A client for `url` (default: this process's DATABASE_URL, lib/config); `options.log` e.g. for tests that count queries. */
export function createPrismaClient(url: string = loadConfig().database.url, options: { log?: Prisma.LogDefinition[] } = {}): PrismaClient {
  // timeout: wait for a lock held by another process (app, worker, seed) instead of failing.
  const adapter = new PrismaBetterSQLite3({ url, timeout: 10_000 });
  return new PrismaClient({ adapter, ...options });
}

const globalForPrisma = globalThis as unknown as { __prisma?: PrismaClient };

/** One client per process (hot reload keeps it on globalThis). */
export const db: PrismaClient = (globalForPrisma.__prisma ??= createPrismaClient());

export type { PrismaClient };
