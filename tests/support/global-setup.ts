import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import PgBoss from "pg-boss";
import type { TestProject } from "vitest/node";
import { startEmbeddedDatabase } from "../../lib/db/embedded";

/**
 * Tests run on the real engine: one embedded PostgreSQL server per test run (or the server of
 * TEST_DATABASE_URL, whose user may create databases), a template database migrated once from
 * the committed migrations (never a hand-written schema), and a `CREATE DATABASE … TEMPLATE`
 * copy per test file (tests/support/setup.ts).
 */
export default async function setup(project: TestProject) {
  const runId = `${process.pid}_${crypto.randomBytes(3).toString("hex")}`;
  const dataDir = path.resolve("var", "test", `pg-${runId}`);
  const external = process.env.TEST_DATABASE_URL;
  const server = external
    ? null
    : await startEmbeddedDatabase({ dataDir, port: 0, database: "postgres", ephemeral: true });
  const adminUrl = external ?? server!.url;
  const template = `lumen_template_${runId}`;
  const withAdmin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  await withAdmin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(template)}`));
  const templateUrl = withDatabase(adminUrl, template);
  execFileSync(path.resolve("node_modules", ".bin", "prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: templateUrl },
    stdio: "pipe",
  });
  // The job queue's schema too (pg-boss creates it at its first start), so no test file waits for it.
  const boss = new PgBoss({ connectionString: templateUrl, schema: "pgboss", supervise: false, schedule: false, max: 1 });
  await boss.start();
  await boss.stop({ graceful: false, wait: true });
  project.provide("database", { adminUrl, template, prefix: `lumen_t_${runId}_` });

  return async () => {
    // Only this run's databases: other runs may share an external server.
    await withAdmin(async (c) => {
      const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2", [
        template,
        `lumen_t_${runId}_%`,
      ]);
      for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(r.datname)} WITH (FORCE)`);
    }).catch((err: unknown) => console.error("test teardown:", err));
    await server?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}

/** The same server, another database. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

declare module "vitest" {
  export interface ProvidedContext {
    database: { adminUrl: string; template: string; prefix: string };
  }
}
