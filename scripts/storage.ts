/**
 * Local S3-compatible storage (s3rver) on 127.0.0.1.
 *
 *   tsx --conditions=react-server scripts/storage.ts
 *
 * Env: STORAGE_DIR (default var/storage), STORAGE_PORT (default 4569),
 *      S3_BUCKET (default media), STORAGE_CORS_ORIGINS (comma-separated, default http://localhost:3000).
 * Credentials accepted by s3rver: S3RVER / S3RVER.
 */
import path from "node:path";

import { startEmbeddedStorage } from "../lib/storage/embedded";
import { loadLocalEnv } from "./local-env";

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`STORAGE_PORT: invalid port ${JSON.stringify(value)}`);
  return port;
}

async function main(): Promise<void> {
  loadLocalEnv();
  const directory = path.resolve(process.env.STORAGE_DIR || "var/storage");
  const port = parsePort(process.env.STORAGE_PORT, 4569);
  const bucket = process.env.S3_BUCKET || "media";
  const corsOrigins = (process.env.STORAGE_CORS_ORIGINS || "http://localhost:3000")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

  const storage = await startEmbeddedStorage({ directory, port, bucket, corsOrigins });
  console.log(`storage: s3rver listening on ${storage.endpoint} (bucket ${bucket}, dir ${directory})`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    storage.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`storage: error while stopping on ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

main().catch((err: unknown) => {
  console.error("storage: failed to start:", err);
  process.exit(1);
});
