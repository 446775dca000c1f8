/**
 * Local edge entry point:
 *
 *   tsx --conditions=react-server edge/main.ts
 *
 * Configuration: the `edge` slice of lib/config (EDGE_PORT, EDGE_HOST, MEDIA_BASE_URL,
 * EDGE_CORS_ORIGINS, EDGE_PUBLIC_PREFIXES, EDGE_MISSING_OBJECT_STATUS, EDGE_TRUSTED_KEYS,
 * EDGE_SHUTDOWN_SECONDS, EDGE_CACHE_*, EDGE_VERIFY) and the shared storage settings (S3_*);
 * see docs/configuration.md.
 */
import "server-only";
import { edgeConfig } from "../lib/config";
import { parseTrustedKeysEnv } from "../lib/cloudfront/keyring";
import { createStorage } from "../lib/storage/s3";
import { ObjectCache } from "./object-cache";
import { createEdgeServer } from "./server";
import { drainAndClose } from "./shutdown";
import { stopWithSupervisor } from "../lib/ops/supervisor";

function main(): void {
  const { edge, storage: storageSettings } = edgeConfig();
  const trustedKeys = parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: edge.trustedKeys });
  const storage = createStorage(storageSettings);
  const { cache } = edge;
  const objectCache =
    cache.maxBytes > 0
      ? new ObjectCache({
          maxBytes: cache.maxBytes,
          maxObjectBytes: cache.maxObjectBytes,
          revalidateMs: cache.revalidateSeconds * 1000,
          diskDir: cache.dir,
          diskMaxBytes: cache.diskBytes,
        })
      : undefined;

  if (!edge.verify) {
    const line = "!".repeat(78);
    console.warn(
      `${line}\nedge: EDGE_VERIFY=off: signatures are NOT checked, every object is served to anyone.\n` +
        `edge: benchmarks only (refused unless APP_ENV=local). Unset EDGE_VERIFY for anything else.\n${line}`,
    );
  }

  const publicBaseUrl = edge.publicUrl;
  const server = createEdgeServer({
    trustedKeys,
    storage,
    publicBaseUrl,
    corsOrigins: edge.corsOrigins,
    publicPrefixes: edge.publicPrefixes,
    missingObjectStatus: edge.missingObjectStatus,
    objectCache,
    verify: edge.verify,
  });

  const host = edge.host;
  const endpoint = storageSettings.endpoint;
  server.on("error", (err) => {
    console.error(`edge: server error: ${err.message}`);
    process.exit(1);
  });
  server.listen(edge.port, host, () => {
    const address = server.address();
    const where = typeof address === "object" && address ? `${address.address}:${address.port}` : String(address);
    const cached = objectCache
      ? `object cache ${cache.maxBytes} bytes${cache.dir ? ` + disk ${cache.diskBytes} bytes in ${cache.dir}` : ""}`
      : "no object cache";
    console.log(
      `edge: listening on http://${where} for ${publicBaseUrl} (${trustedKeys.size} trusted key(s): ${[...trustedKeys.keys()].join(", ") || "none"}; origin ${endpoint || "AWS S3"}; ${cached})`,
    );
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`edge: ${signal}: draining (up to ${edge.shutdownSeconds} s)`);
    void drainAndClose(server, { deadlineMs: edge.shutdownSeconds * 1000 }).then(({ forced, durationMs }) => {
      console.log(`edge: stopped after ${durationMs} ms${forced ? " (transfers still open at the deadline were cut)" : ""}`);
      objectCache?.close();
      storage.destroy();
      process.exit(0);
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  stopWithSupervisor();
}

try {
  main();
} catch (err) {
  console.error("edge: failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
}
