/**
 * CloudFront custom-policy Resource matching and IPv4 CIDR checks.
 *
 * Pure: no I/O, shared by the signer (sanity checks), the local edge and the tests.
 * The rules (docs/decisions/013-resource-matching-sections.md):
 * - `"*"` alone matches every URL.
 * - Otherwise the pattern and the URL are cut into sections `protocol://domain/path?query`:
 *   protocol ends at the first `://`; domain ends at the first `/` after it; path ends at the
 *   first `?` after the domain (so in the PATH a `?` is the query separator, while in the
 *   protocol, domain and query sections `?` is the one-character wildcard).
 * - In each section `*` matches zero or more characters and `?` exactly one; a wildcard never
 *   crosses into another section.
 * - A pattern without a query section matches only URLs without a query, except that a
 *   pattern whose path ends in `*` also matches any query string (or none).
 * - Matching is literal on the URL as sent: case-sensitive, no percent-decoding, no
 *   dot-segment normalisation.
 */

interface Sections {
  protocol: string;
  domain: string;
  path: string;
  /** `undefined` when there is no `?` at all (an empty query `?` is `""`). */
  query: string | undefined;
}

function splitPattern(pattern: string): Sections | null {
  const p = pattern.indexOf("://");
  if (p <= 0) return null;
  const protocol = pattern.slice(0, p);
  const rest = pattern.slice(p + 3);
  const slash = rest.indexOf("/");
  if (slash === -1) {
    // A pattern without a path: the whole rest is the domain (a `?` here is a wildcard).
    return { protocol, domain: rest, path: "", query: undefined };
  }
  const domain = rest.slice(0, slash);
  const pathAndQuery = rest.slice(slash);
  const q = pathAndQuery.indexOf("?");
  if (q === -1) return { protocol, domain, path: pathAndQuery, query: undefined };
  return { protocol, domain, path: pathAndQuery.slice(0, q), query: pathAndQuery.slice(q + 1) };
}

function splitUrl(url: string): Sections | null {
  const p = url.indexOf("://");
  if (p <= 0) return null;
  const protocol = url.slice(0, p);
  const rest = url.slice(p + 3);
  const end = rest.search(/[/?]/);
  const domain = end === -1 ? rest : rest.slice(0, end);
  const pathAndQuery = end === -1 ? "" : rest.slice(end);
  const q = pathAndQuery.indexOf("?");
  if (q === -1) return { protocol, domain, path: pathAndQuery, query: undefined };
  return { protocol, domain, path: pathAndQuery.slice(0, q), query: pathAndQuery.slice(q + 1) };
}

/**
 * Glob match of one section: `*` = zero or more characters, `?` = exactly one. Linear-time
 * greedy algorithm with single-star backtracking (no regular expressions, no ReDoS).
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === "*") {
      starP = p++;
      starT = t;
    } else if (starP !== -1) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Does the custom-policy `Resource` pattern grant the (signing-parameter-free) URL? */
export function matchResource(pattern: string, url: string): boolean {
  if (pattern === "*") return true;
  const pat = splitPattern(pattern);
  const u = splitUrl(url);
  if (!pat || !u) return false;
  if (!globMatch(pat.protocol, u.protocol)) return false;
  if (!globMatch(pat.domain, u.domain)) return false;
  if (!globMatch(pat.path, u.path)) return false;
  if (pat.query === undefined) {
    // No query section in the pattern: a trailing `*` in the path covers any query.
    return u.query === undefined || pat.path.endsWith("*");
  }
  // The pattern has a query section: the URL must have one too (strict: `?*` does not
  // match a URL without `?`).
  if (u.query === undefined) return false;
  return globMatch(pat.query, u.query);
}

/** Parses a dotted-quad IPv4 address (no leading zeros, no IPv6) to an unsigned 32-bit int. */
export function parseIpv4(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = value * 256 + n;
  }
  return value;
}

export interface Ipv4Cidr {
  base: number;
  bits: number;
}

/**
 * Parses `a.b.c.d/n` (0 <= n <= 32). With `allowBare`, `a.b.c.d` means `/32`.
 * IPv6 is never accepted (CloudFront's `AWS:SourceIp` is IPv4 only).
 */
export function parseIpv4Cidr(cidr: string, opts: { allowBare?: boolean } = {}): Ipv4Cidr | null {
  const slash = cidr.indexOf("/");
  if (slash === -1) {
    if (!opts.allowBare) return null;
    const base = parseIpv4(cidr);
    return base === null ? null : { base, bits: 32 };
  }
  const base = parseIpv4(cidr.slice(0, slash));
  const bitsText = cidr.slice(slash + 1);
  if (base === null || !/^(0|[1-9][0-9]?)$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > 32) return null;
  return { base, bits };
}

/** The viewer address as IPv4, unwrapping an IPv4-mapped IPv6 (`::ffff:1.2.3.4`). */
function viewerIpv4(ip: string): number | null {
  const mapped = /^::ffff:(.+)$/i.exec(ip);
  return parseIpv4(mapped ? mapped[1] : ip);
}

/**
 * Is `ip` inside `cidr`? IPv4 only: an IPv4-mapped IPv6 viewer address (`::ffff:127.0.0.1`)
 * is treated as IPv4, any other IPv6 address never matches. A bare `cidr` address means /32.
 * Host bits set in `cidr` (`10.1.2.3/8`) are ignored, as with any netmask comparison.
 */
export function ipInCidr(ip: string, cidr: string): boolean {
  const addr = viewerIpv4(ip);
  const range = parseIpv4Cidr(cidr, { allowBare: true });
  if (addr === null || range === null) return false;
  if (range.bits === 0) return true;
  const shift = 32 - range.bits;
  // `>>> shift` keeps the top `bits` bits as an unsigned integer (shift < 32 here).
  return addr >>> shift === range.base >>> shift;
}
