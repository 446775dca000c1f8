import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

/**
 * Two workarounds for Prisma 6.19's PostgreSQL driver adapter, each small and covered by
 * tests/integration/pg-compat.test.ts. Shared by prisma.config.ts (migrate deploy/status/diff
 * through the JS schema engine) and lib/db (the app's client). ADR 033.
 */

/** Catalog types the adapter cannot deserialize: `name` (19) and the one-byte `"char"` (18). */
const CATALOG_TEXT_OIDS = new Set([18, 19]);
const PG_TEXT_OID = 25;
const patched = Symbol.for("lumen.pg.name-as-text");

/**
 * prisma/prisma#27403 (open upstream): the adapter cannot deserialize columns of PostgreSQL's
 * `name` type (oid 19: catalog columns, `current_database()`, ...) and fails with "Column
 * type 'name' could not be deserialized" — `migrate deploy` reads such columns; `migrate diff`
 * also reads the one-byte `"char"` type (oid 18, e.g. `pg_class.relkind`) and fails the same
 * way. Both are short text, so such result fields are reported as `text` (25) before the
 * adapter looks at them. Idempotent.
 */
export function readNameColumnsAsText(): void {
  const proto = (pg as unknown as { Result: { prototype: Record<PropertyKey, unknown> } }).Result.prototype;
  if (proto[patched]) return;
  const addFields = proto.addFields as (fields: { dataTypeID: number }[]) => void;
  proto.addFields = function (this: unknown, fields: { dataTypeID: number }[]) {
    for (const field of fields) if (CATALOG_TEXT_OIDS.has(field.dataTypeID)) field.dataTypeID = PG_TEXT_OID;
    return addFields.call(this, fields);
  };
  proto[patched] = true;
}

/** Discrete connection settings from a postgres:// URL (see {@link MigrationAwarePg}). */
export function poolConfigFromUrl(url: string): pg.PoolConfig {
  const u = new URL(url);
  if (u.protocol !== "postgres:" && u.protocol !== "postgresql:") throw new Error(`DATABASE_URL must be a postgresql:// URL, got ${u.protocol}`);
  const ssl = u.searchParams.get("sslmode");
  return {
    host: decodeURIComponent(u.hostname),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
    ...(ssl && ssl !== "disable" ? { ssl: { rejectUnauthorized: ssl === "verify-full" } } : {}),
  };
}

/**
 * `prisma migrate diff --from-migrations` replays the migrations into a shadow database the
 * adapter creates. Today's adapter (6.19) builds the shadow pool from its config — a
 * `connectionString` there would override the shadow database's name and replay into the
 * real database, so this adapter is given discrete settings — and drops the shadow database
 * while that pool is still connected (DROP fails). Here the shadow pool is ended first.
 */
export class MigrationAwarePg extends PrismaPg {
  constructor(private readonly settings: pg.PoolConfig) {
    if (settings.connectionString) throw new Error("MigrationAwarePg needs discrete settings, not a connectionString");
    super(settings);
  }

  override async connectToShadowDb() {
    const admin = await this.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID()}`;
    await admin.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...this.settings, database }).connect();
    const endShadowPool = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await endShadowPool();
      await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.dispose();
    };
    return shadow;
  }
}
