import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, inject } from "vitest";

// Process-wide singletons (env, Prisma client, media services) must not leak from one test
// file into the next when a worker process is reused.
const g = globalThis as Record<string, unknown>;
for (const k of ["__config", "__configSlices", "__prisma", "__storage", "__signer"]) delete g[k];

// A fresh database per test file, copied from the migrated template.
const template = inject("templateDb");
const runId = path.basename(template).replace(/^template-|\.db$/g, "");
const file = path.join(path.dirname(template), `db-${runId}-${crypto.randomBytes(4).toString("hex")}.db`);
fs.copyFileSync(template, file);
process.env.DATABASE_URL = `file:${file}`;
(process.env as Record<string, string>).NODE_ENV = "test";

afterAll(async () => {
  const g = globalThis as unknown as { __prisma?: { $disconnect(): Promise<void> } };
  await g.__prisma?.$disconnect();
  fs.rmSync(file, { force: true });
});
