/**
 * Percent-encoding of media URLs before signing (docs/decisions/015-path-encoding.md).
 *
 * CloudFront matches the URL literally as the viewer sent it, so we must sign exactly the bytes
 * the browser will send. The rule: sign only URLs a browser sends VERBATIM. `encodeUrlPath`
 * produces such a path from a decoded one (an object key), and `assertSignableUrl` refuses any
 * URL a browser would rewrite (spaces, quotes, non-ASCII, dot segments, ...).
 *
 * Pure: no I/O, shared by the app, the edge and the tests.
 */
import { isSigningQueryParam } from "./wire";

/**
 * Characters left as they are in a path: RFC 3986 unreserved, `/`, and the sub-delims / pchar
 * punctuation browsers never touch, minus `'` (the facts doc requires `%27`) and `*` (encoded
 * so that a literal file name can never act as a policy wildcard).
 */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&()+,;=:@/]/;

/**
 * Percent-encodes a DECODED path (for example an object key, with or without a leading `/`)
 * the way it must appear in a signed URL: UTF-8 bytes of anything outside the safe set become
 * `%XX` (upper-case hex). Space -> `%20`, `'` -> `%27`, `%` -> `%25`, `*` -> `%2A`,
 * `?` -> `%3F`, `#` -> `%23`, `é` -> `%C3%A9`; `/` and `+` stay as they are (`+` is a literal
 * plus in a path and differs from `%20`).
 *
 * Not idempotent by design: pass the raw key, not an already-encoded path (`%20` would become
 * `%2520`). Throws on lone UTF-16 surrogates and on `.` / `..` segments, which browsers
 * resolve before sending (the signed URL could never be requested as signed).
 */
export function encodeUrlPath(path: string): string {
  for (const segment of path.split("/")) {
    if (segment === "." || segment === "..") {
      throw new Error(`path contains a "${segment}" segment, which browsers rewrite before sending: ${path}`);
    }
  }
  let out = "";
  for (const ch of path) {
    if (PATH_SAFE.test(ch)) {
      out += ch;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) throw new Error("path contains a lone UTF-16 surrogate");
    for (const byte of Buffer.from(ch, "utf8")) {
      out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
  }
  return out;
}

/**
 * Characters a browser sends unchanged in path and query: unreserved, sub-delims minus `'`,
 * `:` `@` `/` `?` and `%` (validated as `%XX` separately).
 */
const URL_VERBATIM = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;
/** Origins the WHATWG parser keeps as written (a process signs for one or two: the media origin). */
const CANONICAL_ORIGINS = new Set<string>();
const MAX_CANONICAL_ORIGINS = 64;
/** `.` `..` `%2e` `%2E.` ... as a whole path segment (browsers resolve them before sending). */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
/** The last origin `assertSignableUrl` accepted. */
let lastOrigin = "";
const ORIGIN = /^(https?):\/\/([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(:([1-9][0-9]{0,4}))?(?=\/)/;

/**
 * Throws unless `url` is an absolute http(s) URL that a browser requests byte for byte as
 * written, so that a signature over it can hold at the edge:
 * lower-case scheme and host in the form the WHATWG URL parser keeps (no IPv4 shorthand,
 * non-canonical IPv6 or invalid host/port), no default port, a path (at least `/`), only characters
 * browsers do not re-encode, well-formed `%XX`, no dot segments (raw or `%2E`), no fragment,
 * no empty query or empty query component, and none of CloudFront's reserved query
 * parameter names (Expires, Policy, Signature, Key-Pair-Id, Hash-Algorithm).
 */
export function assertSignableUrl(url: string): void {
  // The origin signed last (nearly every URL a process signs): no pattern to run.
  const origin = lastOrigin !== "" && url.startsWith(lastOrigin) && url.charCodeAt(lastOrigin.length) === 47 ? lastOrigin : null;
  const m = origin ? null : ORIGIN.exec(url);
  if (!origin) assertOrigin(url, m);
  const rest = url.slice((origin ?? m![0]).length);
  if (!URL_VERBATIM.test(rest)) {
    throw new Error(
      `URL contains characters a browser would re-encode (encode the path with encodeUrlPath and query values with encodeURIComponent, and "'" as %27): ${url}`,
    );
  }
  // The patterns run only where they can match (most URLs hold no `%` and no `/.`).
  if (rest.includes("%") && /%(?![0-9A-Fa-f]{2})/.test(rest)) throw new Error(`URL contains a malformed percent escape: ${url}`);
  const q = rest.indexOf("?");
  const path = q === -1 ? rest : rest.slice(0, q);
  // `rest` starts with `/`: a dot segment starts with `/.` or `/%2e`.
  if ((path.includes("/.") || path.includes("/%2")) && DOT_SEGMENT.test(path)) {
    throw new Error(`URL path contains a dot segment, which browsers rewrite before sending: ${url}`);
  }
  if (q !== -1) {
    const query = rest.slice(q + 1);
    for (const part of query.split("&")) {
      if (part.length === 0) throw new Error(`URL has an empty query or query component: ${url}`);
      const eq = part.indexOf("=");
      const name = eq === -1 ? part : part.slice(0, eq);
      if (isSigningQueryParam(name)) {
        throw new Error(`URL uses the reserved CloudFront query parameter "${name}": ${url}`);
      }
    }
  }
}

/** The scheme, host and port part of `assertSignableUrl`; `m` is ORIGIN's match. */
function assertOrigin(url: string, m: RegExpExecArray | null): asserts m is RegExpExecArray {
  if (!m) {
    throw new Error(`not a signable URL (need http(s)://lower-case-host[:port]/path): ${url}`);
  }
  const port = m[5];
  if ((m[1] === "http" && port === "80") || (m[1] === "https" && port === "443")) {
    throw new Error(`URL has an explicit default port, which browsers drop: ${url}`);
  }
  // The host and port must be exactly as a browser keeps them. The pattern above admits forms
  // the WHATWG URL parser rewrites (IPv4 shorthand `127.1`, hex or octal `0x7f.0.0.1`,
  // `010.0.0.1`, a bare number `1`, non-canonical IPv6 `[0:0::1]`) or rejects (`a.1`,
  // invalid punycode `xn--zz`, port 65536): a signature over such a URL could never match
  // what the viewer sends. Found by tests/fuzz/signer.test.ts. The answer depends on the
  // origin alone, so an origin that passed is not parsed again (the parse was most of the
  // signer's own cost, ADR 051).
  if (!CANONICAL_ORIGINS.has(m[0])) {
    let parsedOrigin: string;
    try {
      const parsed = new URL(url);
      parsedOrigin = `${parsed.protocol}//${parsed.host}`;
    } catch {
      throw new Error(`not a URL a browser can request (invalid host or port): ${url}`);
    }
    if (parsedOrigin !== m[0]) {
      throw new Error(`a browser would rewrite the host of this URL to ${parsedOrigin}: ${url}`);
    }
    if (CANONICAL_ORIGINS.size >= MAX_CANONICAL_ORIGINS) CANONICAL_ORIGINS.clear();
    CANONICAL_ORIGINS.add(m[0]);
  }
  lastOrigin = m[0];
}
