/**
 * Local CloudFront-compatible edge: verifies signed URLs / signed cookies exactly as a
 * distribution with a trusted key group does (verification itself lives in the pure module
 * lib/cloudfront/verify.ts), then streams the object from S3-compatible storage.
 *
 * In production CloudFront plays this role; see edge/README.md and docs/decisions/020-028.
 */
import http from "node:http";
import type { KeyObject } from "node:crypto";
import { pipeline } from "node:stream/promises";

import { errorXml, SignatureCache, verifyRequest } from "../lib/cloudfront/verify";
import { MAX_URL_BYTES } from "../lib/cloudfront/wire";
import { assertSafePrefix, InvalidObjectKeyError, urlPathToObjectKey } from "../lib/storage/keys";
import type { GetObjectResult, ObjectMetadata, Storage } from "../lib/storage/s3";

/** CloudFront quota: maximum URL length (absolute URL as issued, in bytes). */
export { MAX_URL_BYTES };
/** CloudFront quota: request line plus headers. Enforced by Node's parser (maxHeaderSize). */
export const MAX_HEADER_BYTES = 20_480;

export interface EdgeCacheControl {
  /** Cache-Control for verified responses when the object has none. Default `private, max-age=3600`. */
  signed?: string;
  /** Cache-Control for public-prefix responses when the object has none. Default `public, max-age=86400`. */
  public?: string;
}

export interface EdgeServerOptions {
  /** Key id -> public key: the distribution's trusted key group(s). */
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** Only `getObject` and `headObject` are used. */
  storage: Pick<Storage, "getObject" | "headObject">;
  /** scheme://host[:port] that signed URLs are issued for, e.g. `http://localhost:4000`. */
  publicBaseUrl: string;
  /** App origins allowed to read responses with credentials (cookies). */
  corsOrigins: string[];
  /** Key prefixes served without verification (e.g. `public/`), each ending with `/`. */
  publicPrefixes: string[];
  /** Current time in integer epoch SECONDS (default: the clock). */
  now?: () => number;
  cacheControl?: EdgeCacheControl;
  /**
   * Status for a verified request whose object does not exist. Default 403 AccessDenied, as
   * CloudFront + S3 OAC without s3:ListBucket answers (ADR 020); 404 NoSuchKey on request.
   */
  missingObjectStatus?: 403 | 404;
  /** Verification cache shared across requests (default: a new one). */
  cache?: SignatureCache;
  /** Storage failures and other unexpected errors (default: console.error). */
  onError?: (err: unknown, req: http.IncomingMessage) => void;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers (exported for unit tests)

export type RangeSpec = { kind: "bounded"; start: number; end: number } | { kind: "open"; start: number } | { kind: "suffix"; length: number };

/**
 * Parses a Range header. Returns `undefined` when the header is absent, not a `bytes` range,
 * syntactically invalid or a multi-range: all of these are ignored (full 200 response), as
 * RFC 9110 allows. Only one range is supported (ADR 022).
 */
export function parseRangeHeader(value: string | undefined): RangeSpec | undefined {
  if (value === undefined) return undefined;
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(value.trim());
  if (!m) return undefined;
  const [, a, b] = m;
  if (a === "" && b === "") return undefined;
  if (a === "") {
    const length = Number(b);
    return length === 0 ? undefined : { kind: "suffix", length };
  }
  const start = Number(a);
  if (b === "") return { kind: "open", start };
  const end = Number(b);
  if (end < start) return undefined;
  return { kind: "bounded", start, end };
}

/** Resolves a range against the object size: `null` = unsatisfiable (416). */
export function resolveRange(range: RangeSpec, size: number): { start: number; end: number } | null {
  if (range.kind === "suffix") {
    if (size === 0) return null;
    return { start: Math.max(0, size - range.length), end: size - 1 };
  }
  if (range.start >= size) return null;
  const end = range.kind === "open" ? size - 1 : Math.min(range.end, size - 1);
  return { start: range.start, end };
}

function opaqueTag(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/** If-None-Match evaluation (weak comparison): true when the list contains `*` or the etag. */
export function etagMatches(header: string, etag: string | undefined): boolean {
  if (header.trim() === "*") return etag !== undefined;
  if (!etag) return false;
  const tags = header.match(/(?:W\/)?"[^"]*"/g) ?? [];
  const own = opaqueTag(etag);
  return tags.some((t) => opaqueTag(t) === own);
}

/** Cookie header -> name/value map; raw values, case-sensitive names, first occurrence wins. */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!header) return out;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (!name || name in out) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out[name] = value;
  }
  return out;
}

const CACHE_DIRECTIVES_UNSAFE_FOR_SIGNED = new Set(["public", "private", "s-maxage", "proxy-revalidate"]);

/**
 * Cache-Control for a verified (signed) response: the object's directives, minus those that
 * would let a shared cache store it, with `private` first (ADR 023). A cookie-authorised URL
 * carries no signature, so a shared cache keyed on the URL would hand it to anyone.
 */
export function signedCacheControl(objectValue: string | undefined, fallback: string): string {
  if (!objectValue) return fallback;
  const kept = objectValue
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d && !CACHE_DIRECTIVES_UNSAFE_FOR_SIGNED.has(d.split("=")[0].trim().toLowerCase()));
  return ["private", ...kept].join(", ");
}

/**
 * Bytes of the request line plus header section as received (`Name: value\r\n` per header and
 * the final CRLF). Node's parser limit (maxHeaderSize) is approximate, this is exact up to
 * optional whitespace around header values.
 */
export function requestHeadBytes(req: http.IncomingMessage): number {
  let n = Buffer.byteLength(`${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`, "latin1") + 2;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) n += Buffer.byteLength(raw[i], "latin1") + Buffer.byteLength(raw[i + 1], "latin1") + 4;
  return n;
}

function normaliseIp(address: string | undefined): string {
  if (!address) return "";
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

/** Error body in CloudFront's/S3's shape for the edge's own (non-verification) errors. */
function xmlBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

// ---------------------------------------------------------------------------------------------

const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
const EXPOSED_HEADERS = "Content-Length, Content-Range, Accept-Ranges, ETag";
/** Request headers a cross-origin player may send (preflight answer). */
const ALLOWED_REQUEST_HEADERS = new Set(["range", "if-none-match", "if-modified-since", "if-range", "cache-control", "pragma"]);

type ResponseOverrides = { responseContentDisposition?: string };

interface Prepared {
  trustedKeys: ReadonlyMap<string, KeyObject>;
  storage: Pick<Storage, "getObject" | "headObject">;
  baseUrl: string;
  corsOrigins: ReadonlySet<string>;
  publicPrefixes: readonly string[];
  now: () => number;
  signedCache: string;
  publicCache: string;
  missingObjectStatus: 403 | 404;
  cache: SignatureCache;
  onError: (err: unknown, req: http.IncomingMessage) => void;
}

function prepare(options: EdgeServerOptions): Prepared {
  let base: URL;
  try {
    base = new URL(options.publicBaseUrl);
  } catch {
    throw new Error(`edge: publicBaseUrl is not a URL: ${JSON.stringify(options.publicBaseUrl)}`);
  }
  if ((base.protocol !== "http:" && base.protocol !== "https:") || base.pathname !== "/" || base.search || base.hash || base.username) {
    throw new Error(`edge: publicBaseUrl must be scheme://host[:port] only, got ${JSON.stringify(options.publicBaseUrl)}`);
  }
  for (const origin of options.corsOrigins) {
    let ok = false;
    try {
      ok = new URL(origin).origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`edge: CORS origin must be a serialized origin (scheme://host[:port]), got ${JSON.stringify(origin)}`);
  }
  for (const prefix of options.publicPrefixes) {
    assertSafePrefix(prefix);
    if (!prefix.endsWith("/")) throw new Error(`edge: public prefix must end with "/", got ${JSON.stringify(prefix)}`);
  }
  return {
    trustedKeys: options.trustedKeys,
    storage: options.storage,
    baseUrl: base.origin,
    corsOrigins: new Set(options.corsOrigins),
    publicPrefixes: [...options.publicPrefixes],
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    signedCache: options.cacheControl?.signed ?? "private, max-age=3600",
    publicCache: options.cacheControl?.public ?? "public, max-age=86400",
    missingObjectStatus: options.missingObjectStatus ?? 403,
    cache: options.cache ?? new SignatureCache(),
    onError: options.onError ?? ((err) => console.error("edge:", err)),
  };
}

/** Creates the edge HTTP server (not listening yet). */
export function createEdgeServer(options: EdgeServerOptions): http.Server {
  const cfg = prepare(options);

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    handle(cfg, req, res).catch((err: unknown) => {
      cfg.onError(err, req);
      if (!res.headersSent) {
        sendError(res, 500, "InternalError", "We encountered an internal error. Please try again.");
      } else {
        res.destroy(err instanceof Error ? err : undefined);
      }
    });
  });

  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
    const body = tooLarge
      ? xmlBody("RequestHeaderSectionTooLarge", `Request line and headers exceed ${MAX_HEADER_BYTES} bytes`)
      : xmlBody("BadRequest", "Malformed request");
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  return server;
}

function sendError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
  body = xmlBody(code, message),
): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/xml");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.setHeader("Cache-Control", "no-store");
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function applyCors(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse): string | undefined {
  res.setHeader("Vary", "Origin");
  const origin = req.headers.origin;
  if (origin && cfg.corsOrigins.has(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    return origin;
  }
  return undefined;
}

function handlePreflight(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader("Allow", ALLOWED_METHODS);
  const requestedMethod = req.headers["access-control-request-method"];
  const allowedOrigin = applyCors(cfg, req, res);
  res.setHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (allowedOrigin && typeof requestedMethod === "string") {
    const requestedHeaders = String(req.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const methodOk = requestedMethod === "GET" || requestedMethod === "HEAD";
    const headersOk = requestedHeaders.every((h) => ALLOWED_REQUEST_HEADERS.has(h));
    if (methodOk && headersOk) {
      res.setHeader("Access-Control-Allow-Methods", "GET, HEAD");
      if (requestedHeaders.length > 0) res.setHeader("Access-Control-Allow-Headers", requestedHeaders.join(", "));
      res.setHeader("Access-Control-Max-Age", "3000");
    } else {
      // Not allowed: answer without the allow-* headers, the browser then blocks the request.
      res.removeHeader("Access-Control-Allow-Origin");
      res.removeHeader("Access-Control-Allow-Credentials");
      res.removeHeader("Access-Control-Expose-Headers");
    }
  }
  res.statusCode = 204;
  res.end();
}

async function handle(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const method = req.method ?? "";
  const rawUrl = req.url ?? "";

  if (requestHeadBytes(req) > MAX_HEADER_BYTES) {
    applyCors(cfg, req, res);
    sendError(res, 431, "RequestHeaderSectionTooLarge", `Request line and headers exceed ${MAX_HEADER_BYTES} bytes`);
    return;
  }
  if (method === "OPTIONS") {
    handlePreflight(cfg, req, res);
    return;
  }
  applyCors(cfg, req, res);
  if (method !== "GET" && method !== "HEAD") {
    sendError(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.", { Allow: ALLOWED_METHODS });
    return;
  }
  if (Buffer.byteLength(cfg.baseUrl, "utf8") + Buffer.byteLength(rawUrl, "utf8") > MAX_URL_BYTES) {
    sendError(res, 414, "UriTooLong", `The URL exceeds ${MAX_URL_BYTES} bytes`);
    return;
  }
  if (!rawUrl.startsWith("/")) {
    // Absolute-form or asterisk-form request targets are not something a viewer sends.
    sendError(res, 400, "InvalidURI", "Couldn't parse the specified URI.");
    return;
  }

  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  let key: string | undefined;
  try {
    key = urlPathToObjectKey(rawPath);
  } catch (err) {
    if (!(err instanceof InvalidObjectKeyError)) throw err;
    key = undefined;
  }

  const isPublic = key !== undefined && cfg.publicPrefixes.some((p) => key!.startsWith(p));
  let responseOverrides: ResponseOverrides = {};

  if (!isPublic) {
    const decision = verifyRequest(
      {
        url: cfg.baseUrl + rawUrl,
        cookies: parseCookieHeader(req.headers.cookie),
        sourceIp: normaliseIp(req.socket.remoteAddress),
        now: cfg.now(),
      },
      { trustedKeys: cfg.trustedKeys, cache: cfg.cache },
    );
    if (!decision.ok) {
      sendError(res, decision.status, decision.code, decision.message, {}, errorXml(decision.code, decision.message));
      return;
    }
    // Only the application's parameters reach the origin (the verifier stripped the signing
    // ones), and of those only `response-content-disposition`, and only on signed URLs, where
    // the app signed it (ADR 028). Cookie-authorised URLs carry an unsigned query.
    if (decision.via === "url") {
      const oq = decision.originUrl.indexOf("?");
      const disposition = oq === -1 ? null : new URLSearchParams(decision.originUrl.slice(oq + 1)).get("response-content-disposition");
      if (disposition !== null) responseOverrides = { responseContentDisposition: disposition };
    }
  }

  if (key === undefined) {
    sendError(res, 400, "InvalidURI", "Couldn't parse the specified URI.");
    return;
  }

  await serveObject(cfg, req, res, key, isPublic, responseOverrides);
}

function sendMissing(cfg: Prepared, res: http.ServerResponse): void {
  if (cfg.missingObjectStatus === 404) sendError(res, 404, "NoSuchKey", "The specified key does not exist.");
  else sendError(res, 403, "AccessDenied", "Access Denied");
}

function isMissing(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "ObjectNotFoundError") return true;
  // AWS S3 without s3:ListBucket answers 403 for a missing key.
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === 403 || err.name === "AccessDenied";
}

function setObjectHeaders(
  cfg: Prepared,
  res: http.ServerResponse,
  meta: ObjectMetadata,
  isPublic: boolean,
  overrides: ResponseOverrides,
): void {
  res.setHeader("Accept-Ranges", "bytes");
  res.setHeader("Content-Type", meta.contentType ?? "application/octet-stream");
  const disposition = overrides.responseContentDisposition ?? meta.contentDisposition;
  if (disposition) res.setHeader("Content-Disposition", disposition);
  if (meta.etag) res.setHeader("ETag", meta.etag);
  if (meta.lastModified) res.setHeader("Last-Modified", meta.lastModified.toUTCString());
  res.setHeader(
    "Cache-Control",
    isPublic ? (meta.cacheControl ?? cfg.publicCache) : signedCacheControl(meta.cacheControl, cfg.signedCache),
  );
  res.setHeader("X-Content-Type-Options", "nosniff");
}

function notModified(req: http.IncomingMessage, meta: ObjectMetadata): boolean {
  const inm = req.headers["if-none-match"];
  if (typeof inm === "string") return etagMatches(inm, meta.etag);
  const ims = req.headers["if-modified-since"];
  if (typeof ims === "string" && meta.lastModified) {
    const since = Date.parse(ims);
    if (Number.isNaN(since)) return false;
    return Math.floor(meta.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/** If-Range: keep the range only when the validator still matches (strong etag or exact date). */
function ifRangeHolds(req: http.IncomingMessage, meta: ObjectMetadata): boolean {
  const value = req.headers["if-range"];
  if (typeof value !== "string") return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith("W/")) {
    return !v.startsWith("W/") && meta.etag !== undefined && !meta.etag.startsWith("W/") && v === meta.etag;
  }
  const date = Date.parse(v);
  return !Number.isNaN(date) && meta.lastModified !== undefined && Math.floor(date / 1000) === Math.floor(meta.lastModified.getTime() / 1000);
}

async function serveObject(
  cfg: Prepared,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  key: string,
  isPublic: boolean,
  overrides: ResponseOverrides,
): Promise<void> {
  // Abort storage work when the viewer goes away before we are done.
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on("close", onClose);
  try {
    let range = parseRangeHeader(req.headers.range);
    const conditional =
      req.headers["if-none-match"] !== undefined || req.headers["if-modified-since"] !== undefined || req.headers["if-range"] !== undefined;

    // HEAD, conditional requests and suffix ranges need the metadata first (ADR 022).
    let meta: ObjectMetadata | null = null;
    if (req.method === "HEAD" || conditional || range?.kind === "suffix") {
      try {
        meta = await cfg.storage.headObject(key, { signal: abort.signal });
      } catch (err) {
        if (abort.signal.aborted) return;
        if (isMissing(err)) return sendMissing(cfg, res);
        return sendOriginFailure(cfg, req, res, err);
      }
      if (abort.signal.aborted) return;
      if (!meta) return sendMissing(cfg, res);
      if (notModified(req, meta)) {
        setObjectHeaders(cfg, res, meta, isPublic, overrides);
        res.removeHeader("Content-Type");
        res.removeHeader("Content-Disposition");
        res.statusCode = 304;
        res.end();
        return;
      }
      if (range && !ifRangeHolds(req, meta)) range = undefined;
    }

    let explicit: { start: number; end?: number } | undefined;
    if (range) {
      if (meta) {
        const resolved = resolveRange(range, meta.contentLength);
        if (!resolved) return sendUnsatisfiable(res, meta.contentLength);
        explicit = resolved;
      } else if (range.kind === "bounded") {
        explicit = { start: range.start, end: range.end };
      } else if (range.kind === "open") {
        explicit = { start: range.start };
      }
    }

    if (req.method === "HEAD" && meta) {
      setObjectHeaders(cfg, res, meta, isPublic, overrides);
      if (explicit) {
        const end = explicit.end ?? meta.contentLength - 1;
        res.statusCode = 206;
        res.setHeader("Content-Range", `bytes ${explicit.start}-${end}/${meta.contentLength}`);
        res.setHeader("Content-Length", end - explicit.start + 1);
      } else {
        res.statusCode = 200;
        res.setHeader("Content-Length", meta.contentLength);
      }
      res.end();
      return;
    }

    let result: GetObjectResult;
    try {
      result = await cfg.storage.getObject(key, { range: explicit, ...overrides, signal: abort.signal });
    } catch (err) {
      if (abort.signal.aborted) return;
      if (err instanceof Error && err.name === "RangeNotSatisfiableError") {
        return sendUnsatisfiable(res, (err as Error & { size: number }).size);
      }
      if (isMissing(err)) return sendMissing(cfg, res);
      return sendOriginFailure(cfg, req, res, err);
    }
    if (abort.signal.aborted || res.destroyed) {
      result.body.destroy();
      return;
    }
    // An empty object has no satisfiable range (some S3 emulators answer `bytes 0-0/0`).
    if (explicit && result.size === 0) {
      result.body.destroy();
      return sendUnsatisfiable(res, 0);
    }

    setObjectHeaders(cfg, res, result, isPublic, overrides);
    res.statusCode = result.status;
    res.setHeader("Content-Length", result.contentLength);
    if (result.status === 206 && result.contentRange) res.setHeader("Content-Range", result.contentRange);
    try {
      // Backpressure end to end; a viewer abort destroys the storage stream.
      await pipeline(result.body, res);
    } catch (err) {
      result.body.destroy();
      if (!res.destroyed) res.destroy();
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ERR_STREAM_PREMATURE_CLOSE" && !abort.signal.aborted) cfg.onError(err, req);
    }
  } finally {
    res.off("close", onClose);
  }
}

/** Storage unreachable or failing: 502, as CloudFront answers when its origin fails. */
function sendOriginFailure(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse, err: unknown): void {
  cfg.onError(err, req);
  sendError(res, 502, "BadGateway", "The origin could not be reached or returned an error.");
}

function sendUnsatisfiable(res: http.ServerResponse, size: number): void {
  sendError(res, 416, "InvalidRange", "The requested range is not satisfiable", { "Content-Range": `bytes */${size}` });
}
