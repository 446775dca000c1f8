import "server-only";

import fs from "node:fs/promises";
import path from "node:path";

import S3rver from "s3rver";

import { BUCKET_PATTERN, copyEmulation, escapeXml, multipartEmulation, refuseAnonymous } from "./embedded-shims";
import { MultipartFilesystemStore } from "./embedded-store";

export interface EmbeddedStorageOptions {
  /** Where s3rver keeps buckets and objects (created if missing). */
  directory: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  bucket: string;
  /**
   * Origins allowed to use presigned URLs from a browser (CORS on the bucket).
   * Default: the local app, `http://localhost:3000`.
   */
  corsOrigins?: string[];
}

export interface EmbeddedStorage {
  /** `http://127.0.0.1:<port>`: use as `endpoint` with `createStorage`. */
  endpoint: string;
  port: number;
  bucket: string;
  /** Stops accepting connections; open transfers get `graceMs` (default 2,000) to finish. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

/**
 * CORS so a browser on the app origin can PUT to presigned URLs (single objects and multipart
 * parts) and read the ETag of each part (ExposeHeader ETag: the uploader sends them back on
 * completion).
 */
export function corsConfigurationXml(origins: readonly string[]): string {
  const rule = [
    "<CORSRule>",
    ...origins.map((o) => `<AllowedOrigin>${escapeXml(o)}</AllowedOrigin>`),
    "<AllowedMethod>GET</AllowedMethod>",
    "<AllowedMethod>HEAD</AllowedMethod>",
    "<AllowedMethod>PUT</AllowedMethod>",
    "<AllowedHeader>*</AllowedHeader>",
    "<ExposeHeader>ETag</ExposeHeader>",
    "<MaxAgeSeconds>3000</MaxAgeSeconds>",
    "</CORSRule>",
  ].join("");
  return `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rule}</CORSConfiguration>`;
}

/**
 * Starts an S3-compatible server (s3rver) on 127.0.0.1 only, without logging,
 * with `bucket` created and CORS configured, refusing anonymous requests like a private bucket.
 * Credentials: `S3RVER` / `S3RVER`.
 */
export async function startEmbeddedStorage(options: EmbeddedStorageOptions): Promise<EmbeddedStorage> {
  const { directory, port, bucket } = options;
  if (!BUCKET_PATTERN.test(bucket)) throw new Error(`Invalid bucket name ${JSON.stringify(bucket)}`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port ${port}`);
  const corsOrigins = options.corsOrigins ?? ["http://localhost:3000"];
  for (const origin of corsOrigins) {
    if (origin !== "*" && !/^https?:\/\/[^/\s]+$/.test(origin)) throw new Error(`Invalid CORS origin ${JSON.stringify(origin)}`);
  }
  await fs.mkdir(path.resolve(directory), { recursive: true });

  const server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory: path.resolve(directory),
    vhostBuckets: false,
    resetOnClose: false,
    configureBuckets: [{ name: bucket, configs: corsOrigins.length > 0 ? [corsConfigurationXml(corsOrigins)] : [] }],
  });
  // S3's multipart semantics and a join without a second pass of MD5 (ADR 053).
  server.store = server.context.store = new MultipartFilesystemStore(path.resolve(directory));
  // Ahead of s3rver's own router (Koa composes `middleware` when the server starts): first the
  // refusal of anonymous requests, then the copy and multipart shims.
  type Middleware = (typeof server.middleware)[number];
  server.middleware.unshift(
    refuseAnonymous() as Middleware,
    copyEmulation(path.resolve(directory)) as Middleware,
    multipartEmulation(path.resolve(directory)) as Middleware,
  );
  const address = await server.run();
  const actualPort = address.port;

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    bucket,
    stop({ graceMs = 2_000 } = {}) {
      stopped ??= (async () => {
        const http = server.httpServer;
        const closing = server.close();
        http?.closeIdleConnections();
        const timer = setTimeout(() => http?.closeAllConnections(), graceMs);
        try {
          await closing;
        } finally {
          clearTimeout(timer);
        }
      })();
      return stopped;
    },
  };
}
