/**
 * Local edge entry point:
 *
 *   tsx --conditions=react-server edge/main.ts
 *
 * Configuration: the `edge` slice of lib/config (EDGE_PORT, EDGE_HOST, MEDIA_BASE_URL,
 * EDGE_CORS_ORIGINS, EDGE_PUBLIC_PREFIXES, EDGE_MISSING_OBJECT_STATUS, EDGE_TRUSTED_KEYS) and
 * the shared storage settings (S3_*); see docs/configuration.md.
 */
import "server-only";
import { edgeConfig } from "../lib/config";
import { parseTrustedKeysEnv } from "../lib/cloudfront/keyring";
import { createStorage } from "../lib/storage/s3";
import { createEdgeServer } from "./server";

function main(): void {
  const { edge, storage: storageSettings } = edgeConfig();
  const trustedKeys = parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: edge.trustedKeys });
  const storage = createStorage(storageSettings);

  const publicBaseUrl = edge.publicUrl;
  const server = createEdgeServer({
    trustedKeys,
    storage,
    publicBaseUrl,
    corsOrigins: edge.corsOrigins,
    publicPrefixes: edge.publicPrefixes,
    missingObjectStatus: edge.missingObjectStatus,
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
    console.log(
      `edge: listening on http://${where} for ${publicBaseUrl} (${trustedKeys.size} trusted key(s): ${[...trustedKeys.keys()].join(", ") || "none"}; origin ${endpoint || "AWS S3"})`,
    );
  });

  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    // Stop accepting; let transfers in flight finish for a while, then cut them.
    server.close(() => {
      storage.destroy();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
    }, 5_000).unref();
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

try {
  main();
} catch (err) {
  console.error("edge: failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
}
