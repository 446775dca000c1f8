/**
 * Pure HTTP helpers of the local edge: ranges, validators, cookies, Cache-Control, header size,
 * XML error bodies. No I/O except `sendError`, which writes one complete error response.
 * Exported for unit tests (ADR 022, 023, 024).
 */
import type http from "node:http";

import type { ObjectMetadata } from "../lib/storage/s3";

/** CloudFront quota: request line plus headers. Enforced by Node's parser (maxHeaderSize). */
export const MAX_HEADER_BYTES = 20_480;

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

/** The Cache-Control directive names of a header value, lower-cased. */
export function cacheDirectives(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(",")
    .map((d) => d.split("=")[0].trim().toLowerCase())
    .filter(Boolean);
}

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

export function normaliseIp(address: string | undefined): string {
  if (!address) return "";
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1] : address;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] as string);
}

/** Error body in CloudFront's/S3's shape for the edge's own (non-verification) errors. */
export function xmlBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
}

/**
 * Headers on every edge response, errors, 304s and preflights included: no MIME sniffing of
 * objects, and no Referer from a document served here (media URLs carry signatures).
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

/** One complete error response: XML body, `no-store`, HEAD without body. */
export function sendError(
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

/** If-None-Match (wins) or If-Modified-Since: true when the viewer's copy is current (304). */
export function notModified(headers: http.IncomingHttpHeaders, meta: ObjectMetadata): boolean {
  const inm = headers["if-none-match"];
  if (typeof inm === "string") return etagMatches(inm, meta.etag);
  const ims = headers["if-modified-since"];
  if (typeof ims === "string" && meta.lastModified) {
    const since = Date.parse(ims);
    if (Number.isNaN(since)) return false;
    return Math.floor(meta.lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

/** If-Range: keep the range only when the validator still matches (strong etag or exact date). */
export function ifRangeHolds(headers: http.IncomingHttpHeaders, meta: ObjectMetadata): boolean {
  const value = headers["if-range"];
  if (typeof value !== "string") return true;
  const v = value.trim();
  if (v.startsWith('"') || v.startsWith("W/")) {
    return !v.startsWith("W/") && meta.etag !== undefined && !meta.etag.startsWith("W/") && v === meta.etag;
  }
  const date = Date.parse(v);
  return !Number.isNaN(date) && meta.lastModified !== undefined && Math.floor(date / 1000) === Math.floor(meta.lastModified.getTime() / 1000);
}

/** What to answer once the object's metadata (size, validators) is known. */
export type ResponsePlan =
  | { status: 304 }
  | { status: 416; size: number }
  | { status: 200; length: number }
  | { status: 206; start: number; end: number; size: number };

/** Conditional requests first, then If-Range, then the range against the size (ADR 022). */
export function planResponse(headers: http.IncomingHttpHeaders, range: RangeSpec | undefined, meta: ObjectMetadata): ResponsePlan {
  if (notModified(headers, meta)) return { status: 304 };
  const size = meta.contentLength;
  if (!range || !ifRangeHolds(headers, meta)) return { status: 200, length: size };
  const resolved = resolveRange(range, size);
  if (!resolved) return { status: 416, size };
  return { status: 206, start: resolved.start, end: resolved.end, size };
}

/** True when the request carries a validator the edge must evaluate itself. */
export function isConditional(headers: http.IncomingHttpHeaders): boolean {
  return headers["if-none-match"] !== undefined || headers["if-modified-since"] !== undefined || headers["if-range"] !== undefined;
}
