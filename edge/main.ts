/**
 * Local edge entry point:
 *
 *   tsx --conditions=react-server edge/main.ts
 *
 * Env (read once at start-up):
 *   EDGE_PORT (4000), EDGE_HOST (127.0.0.1), EDGE_PUBLIC_URL (http://localhost:4000),
 *   EDGE_CORS_ORIGINS (http://localhost:3000, comma-separated), EDGE_PUBLIC_PREFIXES (public/, comma-separated),
 *   EDGE_MISSING_OBJECT_STATUS (403 | 404, default 403, ADR 020),
 *   EDGE_TRUSTED_KEYS (id=/path/to/public.pem or inline PEM, comma-separated; see lib/cloudfront/keyring.ts),
 *   S3_ENDPOINT (http://127.0.0.1:4569; empty string = AWS S3), S3_BUCKET (media), S3_REGION (us-east-1),
 *   S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (S3RVER / S3RVER).
 */
import "server-only";
import { parseTrustedKeysEnv } from "../lib/cloudfront/keyring";
import { createStorage } from "../lib/storage/s3";
import { loadLocalEnv } from "../scripts/local-env";
import { createEdgeServer } from "./server";

function list(value: string | undefined, fallback: string): string[] {
  return (value ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function port(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`EDGE_PORT: invalid port ${JSON.stringify(value)}`);
  return n;
}

function main(): void {
  loadLocalEnv();
  const env = process.env;

  const missing = env.EDGE_MISSING_OBJECT_STATUS ?? "403";
  if (missing !== "403" && missing !== "404") throw new Error(`EDGE_MISSING_OBJECT_STATUS must be 403 or 404, got ${JSON.stringify(missing)}`);

  const trustedKeys = parseTrustedKeysEnv(env);
  const endpoint = env.S3_ENDPOINT ?? "http://127.0.0.1:4569";
  const storage = createStorage({
    bucket: env.S3_BUCKET || "media",
    region: env.S3_REGION || "us-east-1",
    endpoint: endpoint || undefined,
    accessKeyId: env.S3_ACCESS_KEY_ID || (endpoint ? "S3RVER" : undefined),
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || (endpoint ? "S3RVER" : undefined),
  });

  const publicBaseUrl = env.EDGE_PUBLIC_URL || "http://localhost:4000";
  const server = createEdgeServer({
    trustedKeys,
    storage,
    publicBaseUrl,
    corsOrigins: list(env.EDGE_CORS_ORIGINS, "http://localhost:3000"),
    publicPrefixes: list(env.EDGE_PUBLIC_PREFIXES, "public/"),
    missingObjectStatus: missing === "404" ? 404 : 403,
  });

  const host = env.EDGE_HOST || "127.0.0.1";
  server.on("error", (err) => {
    console.error(`edge: server error: ${err.message}`);
    process.exit(1);
  });
  server.listen(port(env.EDGE_PORT, 4000), host, () => {
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
