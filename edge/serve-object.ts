/**
 * Serving one object from storage once the request is allowed: single ranges, HEAD,
 * conditional requests (ADR 022), Cache-Control (ADR 023), missing objects (ADR 020), origin
 * failures (ADR 024), with backpressure from storage to the viewer.
 */
import type http from "node:http";
import { pipeline } from "node:stream/promises";

import type { GetObjectResult, ObjectMetadata } from "../lib/storage/s3";
import { isConditional, parseRangeHeader, planResponse, sendError, signedCacheControl, type ResponsePlan } from "./http";
import { metadataOf } from "./object-cache";
import type { Prepared } from "./options";

export type ResponseOverrides = { responseContentDisposition?: string };

/** How the object is to be served: its key, whether it is public, the signed overrides. */
export interface ObjectRequest {
  key: string;
  isPublic: boolean;
  overrides: ResponseOverrides;
}

export function sendMissing(cfg: Prepared, res: http.ServerResponse): void {
  if (cfg.missingObjectStatus === 404) sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
  else sendError(res, 403, "AccessDenied", "Access Denied");
}

export function isMissing(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ObjectNotFoundError") return true;
  // AWS S3 without s3:ListBucket answers 403 for a missing key.
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 403 || err.name === "AccessDenied";
}

/** Storage unreachable or failing: 502, as CloudFront answers when its origin fails. */
export function sendOriginFailure(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  cfg.onError(err, req);
  sendError(res, 502, "BadGateway", "The origin could not be reached or returned an error.");
}

/** A storage error before any byte was sent: missing object, unsatisfiable range or 502. */
export function sendStorageError(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  if (err instanceof Error && err.name === "RangeNotSatisfiableError") return sendUnsatisfiable(res, (err as Error & { size: number }).size);
  if (isMissing(err)) return sendMissing(cfg, res);
  sendOriginFailure(cfg, req, res, err);
}

function sendUnsatisfiable(res: http.ServerResponse, size: number): void {
  sendError(res, 416, "InvalidRange", "The requested range is not satisfiable", { "Content-Range": `bytes */${size}` });
}

export function setObjectHeaders(cfg: Prepared, res: http.ServerResponse, meta: ObjectMetadata, target: ObjectRequest): void {
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Content-Type", meta.contentType ?? "application/octet-stream");
  const disposition = target.overrides.responseContentDisposition ?? meta.contentDisposition;
  if (disposition) res.setHeader("Content-Disposition", disposition);
  if (meta.etag) res.setHeader("ETag", meta.etag);
  if (meta.lastModified) res.setHeader("Last-Modified", meta.lastModified.toUTCString());
  res.setHeader(
    "Cache-Control",
    target.isPublic ? (meta.cacheControl ?? cfg.publicCache) : signedCacheControl(meta.cacheControl, cfg.signedCache),
  );
}

/**
 * Answers a plan from the object's metadata: 304, 416, or the 200/206 headers followed by
 * `body` sliced to the range (the whole object; nothing for HEAD or when `body` is absent).
 */
export function sendPlanned(
  cfg: Prepared,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  meta: ObjectMetadata,
  plan: ResponsePlan,
  target: ObjectRequest,
  body?: Buffer,
): void {
  if (plan.status === 416) return sendUnsatisfiable(res, plan.size);
  setObjectHeaders(cfg, res, meta, target);
  res.statusCode = plan.status;
  if (plan.status === 304) {
    res.removeHeader("Content-Type");
    res.removeHeader("Content-Disposition");
    res.end();
    return;
  }
  let slice = body;
  if (plan.status === 206) {
    res.setHeader("Content-Range", `bytes ${plan.start}-${plan.end}/${plan.size}`);
    res.setHeader("Content-Length", plan.end - plan.start + 1);
    slice = body?.subarray(plan.start, plan.end + 1);
  } else {
    res.setHeader("Content-Length", plan.length);
  }
  // A Buffer slice is written without copying; the socket holds at most the object itself.
  res.end(req.method === "HEAD" ? undefined : slice);
}

/** A signal aborted when the viewer goes away before the response is complete. */
export function abortOnClose(res: http.ServerResponse): { signal: AbortSignal; release: () => void } {
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on("close", onClose);
  return { signal: abort.signal, release: () => res.off("close", onClose) };
}

/**
 * Serves the object straight from storage (two round trips only when metadata is needed
 * first). `onMetadata` sees the object's metadata as storage reported it (the cache's hook).
 */
export async function serveFromStorage(
  cfg: Prepared,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: ObjectRequest,
  onMetadata?: (meta: ObjectMetadata) => void,
): Promise<void> {
  // Abort storage work when the viewer goes away before we are done.
  const { signal, release } = abortOnClose(res);
  try {
    const range = parseRangeHeader(req.headers.range);
    let explicit: { start: number; end?: number } | undefined;

    // HEAD, conditional requests and suffix ranges need the metadata first (ADR 022).
    if (req.method === "HEAD" || isConditional(req.headers) || range?.kind === "suffix") {
      let meta: ObjectMetadata | null;
      try {
        meta = await cfg.storage.headObject(target.key, { signal });
      } catch (err) {
        if (!signal.aborted) sendStorageError(cfg, req, res, err);
        return;
      }
      if (signal.aborted) return;
      if (!meta) return sendMissing(cfg, res);
      onMetadata?.(meta);
      const plan = planResponse(req.headers, range, meta);
      if (req.method === "HEAD" || plan.status === 304 || plan.status === 416) return sendPlanned(cfg, req, res, meta, plan, target);
      if (plan.status === 206) explicit = { start: plan.start, end: plan.end };
    } else if (range?.kind === "bounded") {
      explicit = { start: range.start, end: range.end };
    } else if (range?.kind === "open") {
      explicit = { start: range.start };
    }

    let result: GetObjectResult;
    try {
      result = await cfg.storage.getObject(target.key, { range: explicit, ...target.overrides, signal });
    } catch (err) {
      if (!signal.aborted) sendStorageError(cfg, req, res, err);
      return;
    }
    onMetadata?.(metadataOf(result));
    await streamResult(cfg, req, res, result, target, explicit !== undefined, signal);
  } finally {
    release();
  }
}

/** Streams a storage GET result to the viewer with backpressure; a viewer abort destroys the storage stream. */
export async function streamResult(
  cfg: Prepared,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  result: GetObjectResult,
  target: ObjectRequest,
  ranged: boolean,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted || res.destroyed) {
    result.body.destroy();
    return;
  }
  // An empty object has no satisfiable range (some S3 emulators answer `bytes 0-0/0`).
  if (ranged && result.size === 0) {
    result.body.destroy();
    return sendUnsatisfiable(res, 0);
  }

  setObjectHeaders(cfg, res, result, target);
  res.statusCode = result.status;
  res.setHeader("Content-Length", result.contentLength);
  if (result.status === 206 && result.contentRange) res.setHeader("Content-Range", result.contentRange);
  try {
    await pipeline(result.body, res);
  } catch (err) {
    result.body.destroy();
    if (!res.destroyed) res.destroy();
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ERR_STREAM_PREMATURE_CLOSE" && !signal.aborted) cfg.onError(err, req);
  }
}
