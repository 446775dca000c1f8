import "server-only";

import crypto from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import { readObject } from "./embedded-parts";
import { commitPart, partTempFile, withUploadLock } from "./embedded-store";

/**
 * What s3rver 3.7 lacks and the app uses, answered ahead of its router from its own store
 * (loopback only). Like s3rver itself with SigV4, these check the access key id (S3RVER), not
 * the signature.
 * - ListParts (`GET ?uploadId`) and AbortMultipartUpload (`DELETE ?uploadId`): s3rver answers 405.
 * - UploadPartCopy (`PUT ?partNumber&uploadId` + `x-amz-copy-source`): s3rver answers 501 (the part is
 *   committed like an UploadPart, ./embedded-store.ts).
 * - CopyObject's `x-amz-copy-source-if-match` (s3rver ignores it: answered 412 here when the
 *   source's ETag differs), and a replaced destination's stale ETag (s3rver keeps the old
 *   `.md5` when it copies with replaced metadata: removed here so it is recomputed).
 */

/** Bucket names: S3's DNS-compatible rule, shortened. */
export const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const UPLOAD_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] as string);
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

type Next = () => Promise<unknown>;

function s3ErrorXml(code: string, message: string, extra: Record<string, string> = {}): string {
  const fields = Object.entries(extra)
    .map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${fields}</Error>`;
}

function answer(ctx: KoaLikeContext, status: number, xml: string | null): void {
  ctx.status = status;
  if (xml !== null) ctx.type = "application/xml";
  ctx.body = xml;
}

function refuse(ctx: KoaLikeContext, status: number, code: string, message: string, extra?: Record<string, string>): void {
  answer(ctx, status, s3ErrorXml(code, message, extra));
}

/** The access key id of a SigV4 header or presigned query is s3rver's (S3RVER). */
function authorized(ctx: KoaLikeContext): boolean {
  const auth = String(ctx.headers.authorization ?? "");
  const credential = typeof ctx.query["X-Amz-Credential"] === "string" ? ctx.query["X-Amz-Credential"] : "";
  return /Credential=S3RVER\//.test(auth) || credential.startsWith("S3RVER/");
}

/** `/<bucket>/<key...>` (path-style), each segment percent-decoded once; key "" when malformed. */
function bucketAndKey(urlPath: string): { bucket: string; key: string } {
  const segments = urlPath.replace(/^\//, "").split("/");
  try {
    return { bucket: decodeURIComponent(segments[0] ?? ""), key: segments.slice(1).map(decodeURIComponent).join("/") };
  } catch {
    return { bucket: "", key: "" };
  }
}

/** Where s3rver 3.x's filesystem store keeps the parts of an unfinished multipart upload. */
function uploadDir(directory: string, bucket: string, uploadId: string): string {
  return path.join(directory, bucket, "._S3rver_uploads", uploadId);
}

/** The file s3rver 3.x's filesystem store keeps an object's bytes in (its getResourcePath). */
function objectFile(directory: string, bucket: string, key: string): string {
  const encoded = process.platform === "win32" ? key.replace(/[<>:"\\|?*]/g, (ch) => `&${Buffer.from(ch, "utf8").toString("hex")}`) : key;
  const parts = encoded.split("/");
  const last = parts.pop()!;
  return path.join(directory, bucket, ...parts, `${last}._S3rver_object`);
}

/** The key's multipart upload folder, when `uploadId` names an upload of exactly this key. */
async function openUpload(directory: string, bucket: string, key: string, uploadId: string): Promise<string | null> {
  if (!BUCKET_PATTERN.test(bucket) || !key || !UPLOAD_ID_PATTERN.test(uploadId)) return null;
  const dir = uploadDir(directory, bucket, uploadId);
  const storedKey = await fs.readFile(path.join(dir, "key"), "utf8").catch(() => null);
  return storedKey === key ? dir : null;
}

function noSuchUpload(ctx: KoaLikeContext, uploadId: string): void {
  refuse(ctx, 404, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", {
    UploadId: uploadId,
  });
}

/** Streams the object in `file` (or a byte range of it; kept as parts or not) to `dest`; returns the hex MD5 of what was written. */
async function copyWithMd5(file: string, dest: string, range?: { start: number; end: number }): Promise<string> {
  const hash = crypto.createHash("md5");
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(await readObject(file, range), tap, createWriteStream(dest));
  return hash.digest("hex");
}

/** An object's ETag (hex MD5) as s3rver reports it: its `.md5` file, else computed. */
async function etagOf(file: string): Promise<string> {
  const stored = await fs.readFile(`${file}.md5`, "utf8").catch(() => null);
  if (stored !== null) return stored.trim();
  const hash = crypto.createHash("md5");
  for await (const chunk of await readObject(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** ListParts and AbortMultipartUpload, as S3 answers them (paging with part-number-marker / max-parts; NoSuchUpload 404). */
export function multipartEmulation(directory: string) {
  return async function multipart(ctx: KoaLikeContext, next: Next): Promise<unknown> {
    const uploadId = ctx.query.uploadId;
    if ((ctx.method !== "GET" && ctx.method !== "DELETE") || typeof uploadId !== "string" || "partNumber" in ctx.query) return next();
    if (!authorized(ctx)) return refuse(ctx, 403, "AccessDenied", "Access Denied");
    const { bucket, key } = bucketAndKey(ctx.path);
    const dir = await openUpload(directory, bucket, key, uploadId);
    if (!dir) return noSuchUpload(ctx, uploadId);

    if (ctx.method === "DELETE") {
      // Under the upload's lock: a part being committed or a completion in progress goes first.
      await withUploadLock(dir, () => fs.rm(dir, { recursive: true, force: true }));
      return answer(ctx, 204, null);
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
    answer(
      ctx,
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key><UploadId>${escapeXml(uploadId)}</UploadId>` +
        `<StorageClass>STANDARD</StorageClass><PartNumberMarker>${marker}</PartNumberMarker>` +
        `<NextPartNumberMarker>${page.length ? page[page.length - 1] : marker}</NextPartNumberMarker>` +
        `<MaxParts>${maxParts}</MaxParts><IsTruncated>${truncated}</IsTruncated>${parts.join("")}</ListPartsResult>`,
    );
  };
}

/** `x-amz-copy-source-range: bytes=a-b` within an object of `size` bytes; the whole object when absent; null when invalid. */
function copyRange(header: string | string[] | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return size > 0 ? { start: 0, end: size - 1 } : null;
  const m = typeof header === "string" ? /^bytes=(\d+)-(\d+)$/.exec(header) : null;
  if (!m) return null;
  const [start, end] = [Number(m[1]), Number(m[2])];
  return start <= end && end < size ? { start, end } : null;
}

/** CopyObject's if-match precondition and stale ETag (then s3rver copies), and UploadPartCopy. */
export function copyEmulation(directory: string) {
  return async function copy(ctx: KoaLikeContext, next: Next): Promise<unknown> {
    const header = ctx.headers["x-amz-copy-source"];
    if (ctx.method !== "PUT" || typeof header !== "string") return next();
    if (!authorized(ctx)) return refuse(ctx, 403, "AccessDenied", "Access Denied");
    const source = bucketAndKey(`/${header.replace(/^\//, "").split("?")[0]}`);
    const dest = bucketAndKey(ctx.path);
    const sourceFile = objectFile(directory, source.bucket, source.key);
    const stat = BUCKET_PATTERN.test(source.bucket) && source.key ? await fs.stat(sourceFile).catch(() => null) : null;
    if (!stat?.isFile()) return refuse(ctx, 404, "NoSuchKey", "The specified key does not exist.", { Key: source.key });
    const ifMatch = ctx.headers["x-amz-copy-source-if-match"];
    if (typeof ifMatch === "string" && ifMatch.replace(/"/g, "") !== (await etagOf(sourceFile))) {
      return refuse(ctx, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", { Condition: "x-amz-copy-source-If-Match" });
    }

    const uploadId = ctx.query.uploadId;
    if (typeof uploadId !== "string" || !("partNumber" in ctx.query)) {
      // CopyObject: s3rver copies; a replaced destination must not keep its old ETag.
      if (dest.bucket !== source.bucket || dest.key !== source.key) await fs.rm(`${objectFile(directory, dest.bucket, dest.key)}.md5`, { force: true });
      return next();
    }
    const partNumber = Number(ctx.query.partNumber);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) return refuse(ctx, 400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive");
    const dir = await openUpload(directory, dest.bucket, dest.key, uploadId);
    if (!dir) return noSuchUpload(ctx, uploadId);
    const range = copyRange(ctx.headers["x-amz-copy-source-range"], stat.size);
    if (!range) return refuse(ctx, 400, "InvalidArgument", "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
    // Written beside the parts, then committed like an UploadPart (./embedded-store.ts): one pass, one MD5.
    const tmp = partTempFile(dir, partNumber);
    let md5: string;
    try {
      md5 = await copyWithMd5(sourceFile, tmp, range);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    try {
      await commitPart(dir, uploadId, partNumber, tmp, md5);
    } catch (err) {
      if ((err as { code?: unknown }).code === "NoSuchUpload") return noSuchUpload(ctx, uploadId);
      throw err;
    }
    answer(
      ctx,
      200,
      `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
        `<LastModified>${new Date().toISOString()}</LastModified><ETag>&quot;${md5}&quot;</ETag></CopyPartResult>`,
    );
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
  return async function anonymous(ctx: KoaLikeContext, next: Next): Promise<unknown> {
    if (ctx.method === "OPTIONS") return next();
    const authorization = ctx.headers.authorization;
    const signature = ctx.query["X-Amz-Signature"];
    if ((typeof authorization === "string" && authorization !== "") || (typeof signature === "string" && signature !== "")) return next();
    ctx.status = 403;
    ctx.type = "application/xml";
    ctx.body = s3ErrorXml("AccessDenied", "Access Denied");
  };
}
