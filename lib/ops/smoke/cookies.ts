/** A small browser-like cookie jar for the smoke check's HTTP client (scripts/smoke.ts). Pure. */

export interface StoredCookie {
  name: string;
  value: string;
  /** Lower-case host (host-only) or domain (without a leading dot). */
  domain: string;
  hostOnly: boolean;
  path: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: string | null;
  /** Epoch milliseconds; null for a session cookie. */
  expiresAt: number | null;
}

function defaultPath(url: URL): string {
  const p = url.pathname;
  if (!p.startsWith("/") || p.lastIndexOf("/") === 0) return "/";
  return p.slice(0, p.lastIndexOf("/"));
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+\.\d+\.\d+\.\d+$/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}

/**
 * One `Set-Cookie` header, as RFC 6265 section 5.2-5.3 stores it for a response from
 * `requestUrl`; null when a browser would ignore it (no name, a Domain that does not cover the
 * host, a `__Secure-`/`__Host-` cookie that breaks its prefix rules).
 */
export function parseSetCookie(header: string, requestUrl: URL, now = Date.now()): StoredCookie | null {
  const [pair, ...attrs] = header.split(";");
  const eq = pair.indexOf("=");
  if (eq <= 0) return null;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  if (!name) return null;
  const host = requestUrl.hostname.toLowerCase();
  const cookie: StoredCookie = { name, value, domain: host, hostOnly: true, path: defaultPath(requestUrl), secure: false, httpOnly: false, sameSite: null, expiresAt: null };
  let maxAge: number | null = null;
  let expires: number | null = null;
  for (const attr of attrs) {
    const i = attr.indexOf("=");
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i === -1 ? "" : attr.slice(i + 1).trim();
    if (key === "domain" && val) {
      const domain = val.replace(/^\./, "").toLowerCase();
      if (!domainMatches(host, domain)) return null;
      cookie.domain = domain;
      cookie.hostOnly = false;
    } else if (key === "path") {
      cookie.path = val.startsWith("/") ? val : defaultPath(requestUrl);
    } else if (key === "secure") {
      cookie.secure = true;
    } else if (key === "httponly") {
      cookie.httpOnly = true;
    } else if (key === "samesite") {
      cookie.sameSite = val || null;
    } else if (key === "max-age" && /^-?\d+$/.test(val)) {
      maxAge = Number(val);
    } else if (key === "expires") {
      const t = Date.parse(val);
      if (Number.isFinite(t)) expires = t;
    }
  }
  cookie.expiresAt = maxAge !== null ? now + maxAge * 1000 : expires;
  if (cookie.secure && requestUrl.protocol !== "https:" && !isLoopback(host)) return null;
  if (name.startsWith("__Secure-") && !cookie.secure) return null;
  if (name.startsWith("__Host-") && (!cookie.secure || !cookie.hostOnly || cookie.path !== "/")) return null;
  return cookie;
}

/** Browsers treat http://localhost and loopback addresses as secure contexts for cookies. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host.endsWith(".localhost") || host === "127.0.0.1" || host === "[::1]";
}

/** A small browser-like cookie jar: stores `Set-Cookie` headers, answers the `Cookie` header for a URL. */
export class CookieJar {
  private store: StoredCookie[] = [];

  /** Stores the `Set-Cookie` headers of a response from `url` (an expired one deletes). Returns what was stored. */
  setCookies(url: URL | string, headers: readonly string[], now = Date.now()): StoredCookie[] {
    const u = new URL(url);
    const stored: StoredCookie[] = [];
    for (const h of headers) {
      const c = parseSetCookie(h, u, now);
      if (!c) continue;
      this.store = this.store.filter((o) => !(o.name === c.name && o.domain === c.domain && o.path === c.path));
      if (c.expiresAt !== null && c.expiresAt <= now) continue;
      this.store.push(c);
      stored.push(c);
    }
    return stored;
  }

  /** The cookies a browser would send to `url` (longest path first). */
  cookiesFor(url: URL | string, now = Date.now()): StoredCookie[] {
    const u = new URL(url);
    const host = u.hostname.toLowerCase();
    return this.store
      .filter((c) => (c.expiresAt === null || c.expiresAt > now) && (c.hostOnly ? host === c.domain : domainMatches(host, c.domain)))
      .filter((c) => pathMatches(u.pathname, c.path))
      .filter((c) => !c.secure || u.protocol === "https:" || isLoopback(host))
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The `Cookie` header for `url` ("" when there is none). */
  header(url: URL | string, now = Date.now()): string {
    return this.cookiesFor(url, now)
      .map((c) => `${c.name}=${c.value}`)
      .join("; ");
  }

  get(name: string): StoredCookie | undefined {
    return this.store.find((c) => c.name === name);
  }

  all(): StoredCookie[] {
    return [...this.store];
  }
}
