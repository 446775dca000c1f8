import path from "node:path";
import { defineConfig } from "prisma/config";
import { loadEnvFiles } from "./lib/config/env-files";
import { parseConfig } from "./lib/config/schema";
import { MigrationAwarePg, poolConfigFromUrl, readNameColumnsAsText } from "./lib/db/pg-compat";

// The same configuration as every other process (lib/config): the database URL and its default.
loadEnvFiles();
const url = parseConfig(process.env).database.url;
// schema.prisma's datasource reads env("DATABASE_URL"); without a value the CLI falls back to
// downloading a native engine (ADR 002).
process.env.DATABASE_URL = url;
// prisma/prisma#27403: `name` columns read as text (lib/db/pg-compat.ts).
readNameColumnsAsText();

// Prisma 6.19 with the JS (wasm) schema engine and the pg driver adapter: no native engine is
// downloaded. Discrete settings, not a connection string, so `migrate diff` replays into its
// own shadow database (lib/db/pg-compat.ts, ADR 033).
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  adapter: async () => new MigrationAwarePg(poolConfigFromUrl(url)),
});
