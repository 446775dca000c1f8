/**
 * Local S3-compatible storage (s3rver) on 127.0.0.1.
 *
 *   tsx --conditions=react-server scripts/storage.ts
 *
 * Configuration: STORAGE_DIR, STORAGE_PORT, STORAGE_CORS_ORIGINS and S3_BUCKET (lib/config,
 * docs/configuration.md). Credentials accepted by s3rver: S3RVER / S3RVER.
 */
import path from "node:path";
import { storageServerConfig } from "../lib/config";
import { startEmbeddedStorage } from "../lib/storage/embedded";
import { stopWithSupervisor } from "../lib/ops/supervisor";

async function main(): Promise<void> {
  const { storageServer, storage: settings } = storageServerConfig();
  const directory = path.resolve(storageServer.directory);
  const storage = await startEmbeddedStorage({ directory, port: storageServer.port, bucket: settings.bucket, corsOrigins: storageServer.corsOrigins });
  console.log(`storage: s3rver listening on ${storage.endpoint} (bucket ${settings.bucket}, dir ${directory})`);

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
  stopWithSupervisor();
}

main().catch((err: unknown) => {
  console.error("storage: failed to start:", err);
  process.exit(1);
});
