import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { loadConfig } from "@/lib/config";
import { PrismaClient, type Prisma } from "@/lib/generated/prisma/client";
import { readNameColumnsAsText } from "./pg-compat";

readNameColumnsAsText();

export interface PrismaClientOptions {
  /** Connections in this client's pool (default 10). */
  poolSize?: number;
  /** Prisma log definitions, e.g. query events for tests that count SQL statements. */
  log?: Prisma.LogDefinition[];
}

/** A client for `url` (default: this process's database, lib/config). */
export function createPrismaClient(url: string = loadConfig().database.url, options: PrismaClientOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: 10_000 });
  return new PrismaClient({ adapter, ...(options.log ? { log: options.log } : {}) });
}

const globalForPrisma = globalThis as unknown as { __prisma?: PrismaClient };

/** One client per process (hot reload keeps it on globalThis). */
export const db: PrismaClient = (globalForPrisma.__prisma ??= createPrismaClient());

export type { PrismaClient };
