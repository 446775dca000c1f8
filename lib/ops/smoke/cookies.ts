/**
 * The smoke check's cookie jar: tough-cookie (RFC 6265 parsing, storage and matching by domain,
 * path and expiry) set up to behave as a browser does, so the check sends a cookie to the media
 * host only if a browser would. In memory, no I/O.
 */
import { Cookie, CookieJar, MemoryCookieStore } from "tough-cookie";

export type StoredCookie = Cookie;

/**
 * Max-Age as an absolute expiry from the moment the cookie is received (RFC 6265 5.2.2), as
 * browsers do. tough-cookie 6 counts Max-Age from the cookie's last access, which each lookup
 * moves, so a Max-Age cookie that is sent often would never expire.
 */
function maxAgeAsExpires(cookie: Cookie, now: number): void {
  if (typeof cookie.maxAge !== "number") return;
  cookie.expires = new Date(cookie.maxAge <= 0 ? 0 : now + cookie.maxAge * 1000);
  cookie.maxAge = null;
}

const expired = (c: Cookie, now: number) => (c.expiryTime() ?? Infinity) <= now;

/** Stores `Set-Cookie` headers of responses, answers the `Cookie` header for a URL. */
export class BrowserCookieJar {
  private readonly store = new MemoryCookieStore();
  private readonly jar = new CookieJar(this.store, {
    // A Domain that is a public suffix (Domain=com) is refused, like a browser refuses it.
    rejectPublicSuffixes: true,
    // A __Secure- or __Host- cookie that breaks its prefix's rules is dropped without an error.
    prefixSecurity: "silent",
    // Secure cookies are stored from and sent to https only, and to http://localhost and
    // loopback addresses, which browsers treat as secure contexts (the local stack).
    allowSecureOnLocal: true,
    enforceSecureOriginOnStorage: true,
  });

  /**
   * Stores the `Set-Cookie` headers of a response from `url`, skipping those a browser would
   * ignore (no name, a Domain that does not cover the host, a Secure cookie over plain http, a
   * broken prefix). An expired one deletes the stored cookie. Returns what was stored.
   */
  setCookies(url: URL | string, headers: readonly string[]): StoredCookie[] {
    const now = Date.now();
    const stored: StoredCookie[] = [];
    for (const header of headers) {
      const cookie = Cookie.parse(header);
      if (!cookie) continue;
      maxAgeAsExpires(cookie, now);
      const set = this.jar.setCookieSync(cookie, url, { ignoreError: true, now: new Date(now) });
      if (set && !expired(set, now)) stored.push(set);
    }
    return stored;
  }

  /** The cookies a browser would send to `url`, in the order of the `Cookie` header (longest path first). */
  cookiesFor(url: URL | string): StoredCookie[] {
    return this.jar.getCookiesSync(url, { sort: true });
  }

  /** The `Cookie` header for `url` ("" when there is none). */
  header(url: URL | string): string {
    return this.jar.getCookieStringSync(url);
  }

  get(name: string): StoredCookie | undefined {
    return this.all().find((c) => c.key === name);
  }

  /** Every unexpired cookie, whatever URL it is for, in the order they were first stored. */
  all(): StoredCookie[] {
    let cookies: Cookie[] = [];
    // The memory store is synchronous (and never fails): the callback runs before getAllCookies returns.
    this.store.getAllCookies((_err, all) => {
      cookies = all ?? [];
    });
    const now = Date.now();
    return cookies.filter((c) => !expired(c, now));
  }
}
