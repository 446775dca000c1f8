import fs from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { loadEnvFiles } from "./lib/config/env-files";
import { parseConfig } from "./lib/config/schema";

// The same configuration as every other process (lib/config): DATABASE_URL and its default.
loadEnvFiles();
const url = parseConfig(process.env).database.url;
// schema.prisma's datasource reads env("DATABASE_URL"); without a value the CLI falls back to
// downloading a native engine (ADR 002).
process.env.DATABASE_URL = url;
// better-sqlite3 does not create missing folders.
if (url.startsWith("file:")) fs.mkdirSync(path.dirname(url.slice("file:".length)), { recursive: true });

/**
 * `migrate diff --from-migrations` replays each migration on an in-memory shadow
 * database through `executeRaw`, which better-sqlite3 runs as a single statement, so a
 * migration with several statements fails (P3006). On the shadow connection only, a
 * parameterless raw query is run as a script.
 */
class MigrationAwareSQLite extends PrismaBetterSQLite3 {
  override async connectToShadowDb() {
    const adapter = await super.connectToShadowDb();
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      await adapter.executeScript(query.sql);
      return 0;
    };
    return adapter;
  }
}

// Prisma 6.19 with the JS (wasm) schema engine: no native engine download is needed.
// See docs/decisions/002-prisma-6-js-engine.md.
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => new MigrationAwareSQLite({ url }),
});
