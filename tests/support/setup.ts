import crypto from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { withDatabase } from "./global-setup";

// Process-wide singletons (configuration, Prisma client, storage, signer) must not leak from
// one test file into the next when a worker process is reused.
const g = globalThis as Record<string, unknown>;
for (const k of ["__config", "__configSlices", "__prisma", "__storage", "__signer", "__signingCache", "__rateLimitPool", "__rateLimiters", "__boss"]) delete g[k];

// A fresh database per test file, copied from the migrated template.
const { adminUrl, template, prefix } = inject("database");
const name = `${prefix}${crypto.randomBytes(4).toString("hex")}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// Copies of one template may not start at the same instant ("source database is being accessed
// by other users" while another copy is being made): retry briefly.
for (let attempt = 0; ; attempt++) {
  try {
    await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(template)}`);
    break;
  } catch (err) {
    if (attempt >= 50 || !/being accessed by other users/.test(String(err))) throw err;
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
  }
}
process.env.DATABASE_URL = withDatabase(adminUrl, name);
(process.env as Record<string, string>).NODE_ENV = "test";

afterAll(async () => {
  const g = globalThis as unknown as {
    __prisma?: { $disconnect(): Promise<void> };
    __rateLimitPool?: { end(): Promise<void> };
    __boss?: Promise<{ stop(o: object): Promise<void> }>;
  };
  await (await g.__boss?.catch(() => undefined))?.stop({ graceful: false, wait: true });
  await g.__prisma?.$disconnect();
  await g.__rateLimitPool?.end();
  await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
});
