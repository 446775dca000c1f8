import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { MigrationAwarePg, poolConfigFromUrl } from "@/lib/db/pg-compat";

/** The two workarounds for Prisma 6.19's pg adapter (lib/db/pg-compat.ts, ADR 033). */
describe("PostgreSQL adapter workarounds", () => {
  it("reads `name` and \"char\" columns (prisma/prisma#27403) through the client", async () => {
    const rows = await db.$queryRaw<{ database: string; kind: string }[]>`SELECT current_database() AS database, 'r'::"char" AS kind`;
    expect(rows).toEqual([{ database: new URL(process.env.DATABASE_URL!).pathname.slice(1), kind: "r" }]);
  });

  it("lets `prisma migrate status` read the migrations table", async () => {
    const { stdout } = await promisify(execFile)("node_modules/.bin/prisma", ["migrate", "status"], { env: process.env });
    expect(stdout).toMatch(/Database schema is up to date/);
  });

  it("replays migrations into a shadow database of its own and drops it afterwards", async () => {
    const settings = poolConfigFromUrl(process.env.DATABASE_URL!);
    const adapter = new MigrationAwarePg(settings);
    const shadow = await adapter.connectToShadowDb();
    const result = await shadow.queryRaw({ sql: "SELECT current_database() AS db", args: [], argTypes: [] });
    const name = result.rows[0]?.[0] as string;
    expect(name).toMatch(/^prisma_migrate_shadow_db_/);
    expect(name).not.toBe(settings.database);
    await shadow.dispose();
    const client = new pg.Client(settings);
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    await client.end();
    expect(rowCount).toBe(0);
  });

  it("refuses a connection string (it would replay into the real database)", () => {
    expect(() => new MigrationAwarePg({ connectionString: process.env.DATABASE_URL })).toThrow(/discrete settings/);
  });

  it("turns a URL into discrete settings", () => {
    expect(poolConfigFromUrl("postgresql://a%40b:p%2Fw@db.example.com:6543/portal?sslmode=require")).toEqual({
      host: "db.example.com",
      port: 6543,
      user: "a@b",
      password: "p/w",
      database: "portal",
      ssl: { rejectUnauthorized: false },
    });
    expect(() => poolConfigFromUrl("file:./dev.db")).toThrow(/postgresql/);
  });
});
