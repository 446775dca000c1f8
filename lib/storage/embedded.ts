import "server-only";

import type { IncomingMessage, ServerResponse } from "node:http";
import fs from "node:fs/promises";
import path from "node:path";

import S3rver from "s3rver";

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

/** Bucket names: S3's DNS-compatible rule, shortened. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] as string);
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

/** Where s3rver 3.x's filesystem store keeps the parts of an unfinished multipart upload. */
function uploadDir(directory: string, bucket: string, uploadId: string): string {
  return path.join(directory, bucket, "._S3rver_uploads", uploadId);
}

interface KoaLikeContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
  type: string;
  req: IncomingMessage;
  res: ServerResponse;
}

function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}</Error>`;
}

/**
 * s3rver 3.7 implements CreateMultipartUpload, UploadPart and CompleteMultipartUpload but
 * answers 405 to ListParts (`GET ?uploadId`) and AbortMultipartUpload (`DELETE ?uploadId`),
 * which resumable uploads need. This middleware answers those two from the store's upload
 * folder, as S3 does (ListParts paging with part-number-marker / max-parts; NoSuchUpload 404).
 * Like s3rver itself with SigV4, it checks the access key id (S3RVER), not the signature:
 * the server listens on loopback only.
 */
export function multipartEmulation(directory: string) {
  return async function multipart(ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<unknown> {
    const uploadId = ctx.query.uploadId;
    if ((ctx.method !== "GET" && ctx.method !== "DELETE") || typeof uploadId !== "string" || "partNumber" in ctx.query) return next();
    const auth = String(ctx.headers.authorization ?? "");
    const credential = typeof ctx.query["X-Amz-Credential"] === "string" ? ctx.query["X-Amz-Credential"] : "";
    if (!/Credential=S3RVER\//.test(auth) && !credential.startsWith("S3RVER/")) {
      ctx.status = 403;
      ctx.type = "application/xml";
      ctx.body = s3ErrorXml("AccessDenied", "Access Denied");
      return;
    }
    const segments = ctx.path.split("/").slice(1);
    const bucket = decodeURIComponent(segments[0] ?? "");
    let key: string;
    try {
      key = segments.slice(1).map(decodeURIComponent).join("/");
    } catch {
      key = "";
    }
    const noSuchUpload = () => {
      ctx.status = 404;
      ctx.type = "application/xml";
      ctx.body = s3ErrorXml(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
        { UploadId: uploadId },
      );
    };
    if (!BUCKET_PATTERN.test(bucket) || !key || !/^[A-Za-z0-9_-]{1,128}$/.test(uploadId)) return noSuchUpload();
    const dir = uploadDir(directory, bucket, uploadId);
    const storedKey = await fs.readFile(path.join(dir, "key"), "utf8").catch(() => null);
    if (storedKey !== key) return noSuchUpload();

    if (ctx.method === "DELETE") {
      await fs.rm(dir, { recursive: true, force: true });
      ctx.status = 204;
      ctx.body = null;
      return;
    }

    const marker = Number(ctx.query["part-number-marker"] ?? 0) || 0;
    const maxParts = Math.min(1000, Math.max(1, Number(ctx.query["max-parts"] ?? 1000) || 1000));
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    // A part is listed once its .md5 file exists: s3rver writes it after the part's bytes.
    const numbers = names
      .filter((n) => /^\d+\.md5$/.test(n))
      .map((n) => Number(n.slice(0, -4)))
      .filter((n) => n > marker)
      .sort((a, b) => a - b);
    const page = numbers.slice(0, maxParts);
    const truncated = numbers.length > page.length;
    const parts: string[] = [];
    for (const n of page) {
      const [md5, stat] = await Promise.all([
        fs.readFile(path.join(dir, `${n}.md5`), "utf8").catch(() => null),
        fs.stat(path.join(dir, String(n))).catch(() => null),
      ]);
      if (md5 === null || stat === null) continue;
      parts.push(
        `<Part><PartNumber>${n}</PartNumber><LastModified>${stat.mtime.toISOString()}</LastModified>` +
          `<ETag>&quot;${escapeXml(md5.trim())}&quot;</ETag><Size>${stat.size}</Size></Part>`,
      );
    }
    ctx.status = 200;
    ctx.type = "application/xml";
    ctx.body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
      `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId>` +
      `<StorageClass>STANDARD</StorageClass><PartNumberMarker>${marker}</PartNumberMarker>` +
      `<NextPartNumberMarker>${page.length ? page[page.length - 1] : marker}</NextPartNumberMarker>` +
      `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join("")}</ListPartsResult>`;
  };
}

/**
 * A private bucket: S3 answers 403 AccessDenied to a request that carries no credentials, while
 * s3rver 3.7 serves anonymous requests (it only checks a signature when one is present). This
 * middleware refuses every request without an `Authorization` header or a presigned
 * `X-Amz-Signature` query (SigV4, what the SDK and our presigned URLs use), so a direct anonymous
 * read of the bucket fails locally as it does on AWS (`npm run smoke` checks it). CORS preflights
 * (OPTIONS) carry no credentials in S3 either and still go through to s3rver's CORS rules.
 */
export function refuseAnonymous() {
  return async function anonymous(ctx: KoaLikeContext, next: () => Promise<unknown>): Promise<unknown> {
    if (ctx.method === "OPTIONS") return next();
    const authorization = ctx.headers.authorization;
    const signature = ctx.query["X-Amz-Signature"];
    if ((typeof authorization === "string" && authorization !== "") || (typeof signature === "string" && signature !== "")) return next();
    ctx.status = 403;
    ctx.type = "application/xml";
    ctx.body = s3ErrorXml("AccessDenied", "Access Denied");
  };
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
  // Ahead of s3rver's own router (Koa composes `middleware` when the server starts): first the
  // refusal of anonymous requests, then the multipart shims.
  server.middleware.unshift(
    refuseAnonymous() as (typeof server.middleware)[number],
    multipartEmulation(path.resolve(directory)) as (typeof server.middleware)[number],
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
