/**
 * The pure parts of the deployed-stack smoke check (`npm run smoke`, scripts/smoke.ts): argument
 * parsing, reading signed media URLs out of a lesson page's HTML, signed-URL expiry, a small
 * browser-like cookie jar, and the one-line result format that CI (tests/e2e/smoke.spec.ts)
 * parses. No I/O and no server-only import: the smoke check talks HTTP like an outside client,
 * and these helpers are unit-tested on their own (tests/unit/smoke.test.ts).
 */
import { cfBase64Decode } from "@/lib/cloudfront/base64";

// ---------------------------------------------------------------------------------------------
// Arguments

export interface SmokeOptions {
  /** The app's origin (`NEXTAUTH_URL`). */
  app: URL;
  /** The media origin (`MEDIA_BASE_URL`: the CloudFront distribution or the local edge). */
  media: URL;
  /**
   * A direct URL into the bucket for an anonymous GET. A URL whose path ends with `/` (the
   * bucket's root, path-style or virtual-hosted) gets the key of a real object appended, taken
   * from the signed media URLs of the lesson page.
   */
  bucketUrl: URL | null;
  email: string | null;
  password: string | null;
  /** A lesson page (URL or path on the app); default: found from the account's dashboard. */
  lesson: string | null;
  /** A path (or URL) under `public/` on the media origin that must answer 200 unsigned. */
  publicPath: string | null;
  /** http:// app or media URLs are accepted (the HTTPS check is SKIPPED instead of failing). */
  insecureHttpOk: boolean;
  /** The longest wait for signed URLs and cookies to expire before that check is SKIPPED. */
  maxWaitSeconds: number;
  /** Per-request timeout. */
  timeoutMs: number;
}

export class UsageError extends Error {}

export const SMOKE_USAGE = `Usage: npm run smoke -- --app URL --media URL [options]

  --app URL            the app's URL (stack output NEXTAUTHURL)
  --media URL          the media origin (stack output MEDIABASEURL)
  --bucket-url URL     a direct bucket URL for an anonymous read, e.g.
                       https://<S3BUCKET>.s3.<S3REGION>.amazonaws.com/ (a key of a real object
                       is appended when the path ends with /)
  --email E            a test account enrolled in a course with a video (or SMOKE_EMAIL)
  --password P         its password (or SMOKE_PASSWORD, which keeps it out of the process list)
  --lesson URL|PATH    the lesson page to use (default: the first lesson with a video reachable
                       from the account's dashboard)
  --public-path PATH   an object under public/ on the media origin that must answer unsigned
  --insecure-http-ok   http:// URLs are expected (local or trial stack): the HTTPS check is SKIPPED
  --max-wait SECONDS   longest wait for signed URLs and cookies to expire (default 300)
  --timeout SECONDS    per-request timeout (default 20)

Each check prints one line: PASS|FAIL|SKIP <name> — <detail>. Exit code 1 on any FAIL, 2 on a
usage error.`;

const FLAGS = new Set(["--app", "--media", "--bucket-url", "--email", "--password", "--lesson", "--public-path", "--max-wait", "--timeout"]);
const SWITCHES = new Set(["--insecure-http-ok", "--help", "-h"]);

function httpUrl(flag: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: not a URL: ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag}: only http(s) URLs: ${value}`);
  if (url.username || url.password) throw new UsageError(`${flag}: no credentials in the URL`);
  return url;
}

function origin(flag: string, value: string): URL {
  const url = httpUrl(flag, value);
  if (url.pathname !== "/" || url.search || url.hash) throw new UsageError(`${flag}: an origin without a path is expected, got ${value}`);
  return new URL(url.origin);
}

function seconds(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n < min || n > max) throw new UsageError(`${flag}: a number of seconds from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Parses `process.argv.slice(2)` (`--flag value` or `--flag=value`). `env` supplies
 * `SMOKE_EMAIL` / `SMOKE_PASSWORD` when the flags are absent. Returns `"help"` for `--help`.
 */
export function parseSmokeArgs(argv: readonly string[], env: Record<string, string | undefined> = {}): SmokeOptions | "help" {
  const values = new Map<string, string>();
  let insecureHttpOk = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.has(name)) {
      if (name !== arg) throw new UsageError(`${name} takes no value`);
      if (name === "--help" || name === "-h") return "help";
      insecureHttpOk = true;
      continue;
    }
    if (!FLAGS.has(name)) throw new UsageError(`Unknown argument ${JSON.stringify(arg)}`);
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "" || (name === arg && value.startsWith("--"))) throw new UsageError(`${name} needs a value`);
    if (values.has(name)) throw new UsageError(`${name} given twice`);
    values.set(name, value);
  }
  const app = values.get("--app");
  const media = values.get("--media");
  if (!app || !media) throw new UsageError("--app and --media are required");
  const email = values.get("--email") ?? env.SMOKE_EMAIL ?? null;
  const password = values.get("--password") ?? env.SMOKE_PASSWORD ?? null;
  if (Boolean(email) !== Boolean(password)) throw new UsageError("--email and --password go together");
  const appUrl = origin("--app", app);
  const lesson = values.get("--lesson") ?? null;
  if (lesson !== null) lessonPageUrl(appUrl, lesson); // validates
  return {
    app: appUrl,
    media: origin("--media", media),
    bucketUrl: values.has("--bucket-url") ? httpUrl("--bucket-url", values.get("--bucket-url")!) : null,
    email: email || null,
    password: password || null,
    lesson,
    publicPath: values.get("--public-path") ?? null,
    insecureHttpOk,
    maxWaitSeconds: values.has("--max-wait") ? seconds("--max-wait", values.get("--max-wait")!, 0, 3600) : 300,
    timeoutMs: values.has("--timeout") ? seconds("--timeout", values.get("--timeout")!, 1, 600) * 1000 : 20_000,
  };
}

/** `--lesson` as an absolute URL on the app: a full URL must be on the app's origin. */
export function lessonPageUrl(app: URL, lesson: string): URL {
  let url: URL;
  try {
    url = new URL(lesson, app);
  } catch {
    throw new UsageError(`--lesson: not a URL or path: ${JSON.stringify(lesson)}`);
  }
  if (url.origin !== app.origin) throw new UsageError(`--lesson: ${lesson} is not on the app (${app.origin})`);
  if (!lessonIdOf(url.pathname)) throw new UsageError(`--lesson: expected /courses/<slug>/lessons/<lessonId>, got ${url.pathname}`);
  return url;
}

/** `/courses/<slug>/lessons/<lessonId>` -> the lesson id, else null. */
export function lessonIdOf(pathname: string): string | null {
  const m = /^\/courses\/[^/?#]+\/lessons\/([A-Za-z0-9_-]{1,64})\/?$/.exec(pathname);
  return m ? m[1] : null;
}

/** A path (or URL) under `public/` on the media origin, as an absolute URL there. */
export function publicMediaUrl(media: URL, publicPath: string): URL {
  const url = new URL(publicPath.startsWith("/") || /^https?:/.test(publicPath) ? publicPath : `/${publicPath}`, media);
  if (url.origin !== media.origin || !url.pathname.startsWith("/public/")) throw new UsageError(`--public-path: expected a path under /public/ on ${media.origin}, got ${publicPath}`);
  return url;
}

/**
 * The direct bucket URL to read: `--bucket-url` as given, or with `key` appended when its path
 * ends with `/` (the bucket's root). `key` is a URL path on the media origin, already encoded.
 */
export function bucketReadUrl(bucketUrl: URL, mediaPath: string | null): { url: URL; knownObject: boolean } {
  if (!bucketUrl.pathname.endsWith("/")) return { url: bucketUrl, knownObject: true };
  const url = new URL(bucketUrl);
  url.search = "";
  url.pathname = bucketUrl.pathname + (mediaPath ?? "/courses/smoke-check/none.txt").replace(/^\/+/, "");
  return { url, knownObject: mediaPath !== null };
}

// ---------------------------------------------------------------------------------------------
// HTML

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

export interface HtmlTag {
  name: string;
  attrs: Record<string, string>;
}

const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Opening tags with their attributes (names lower-cased, values entity-decoded). The contents of
 * `<script>` and `<style>` are skipped: Next's inline payloads are not markup.
 */
export function htmlTags(html: string): HtmlTag[] {
  const markup = html.replace(/(<(script|style)\b[^>]*>)[\s\S]*?(<\/\2\s*>)/gi, "$1$3");
  const tags: HtmlTag[] = [];
  for (const m of markup.matchAll(TAG)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[2] ?? "").matchAll(ATTR)) {
      const name = a[1].toLowerCase();
      if (!(name in attrs)) attrs[name] = decodeHtmlEntities(a[2] ?? a[3] ?? a[4] ?? "");
    }
    tags.push({ name: m[1].toLowerCase(), attrs });
  }
  return tags;
}

export interface LessonPageMedia {
  /** The HLS master playlist: on the media origin (cookies) or the app's `/api/lessons/<id>/hls/…` (query). */
  manifestUrl: string | null;
  posterUrl: string | null;
  captionUrls: string[];
  attachmentUrls: string[];
}

/** The media URLs a lesson page renders for an entitled viewer, resolved against the page's URL. */
export function extractLessonMedia(html: string, pageUrl: URL | string): LessonPageMedia {
  const abs = (u: string) => new URL(u, pageUrl).toString();
  const out: LessonPageMedia = { manifestUrl: null, posterUrl: null, captionUrls: [], attachmentUrls: [] };
  for (const { name, attrs } of htmlTags(html)) {
    if (attrs["data-manifest-url"] && out.manifestUrl === null) out.manifestUrl = abs(attrs["data-manifest-url"]);
    if (name === "video" && attrs.poster && out.posterUrl === null) out.posterUrl = abs(attrs.poster);
    if (name === "track" && attrs.src) out.captionUrls.push(abs(attrs.src));
    if (name === "a" && attrs["data-testid"] === "attachment-link" && attrs.href) out.attachmentUrls.push(abs(attrs.href));
  }
  return out;
}

/** Lesson links of a page (dashboard "Start"/"Continue", a lesson's outline), as unique paths. */
export function lessonLinks(html: string): string[] {
  const seen = new Set<string>();
  for (const { name, attrs } of htmlTags(html)) {
    if (name !== "a" || !attrs.href) continue;
    const path = attrs.href.split(/[?#]/)[0];
    if (path.startsWith("/") && lessonIdOf(path)) seen.add(path);
  }
  return [...seen];
}

/** The per-request nonce of a `Content-Security-Policy` header (`'nonce-…'` in script-src). */
export function cspNonce(csp: string): string | null {
  const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src ")) ?? "";
  return /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(scriptSrc)?.[1] ?? null;
}

/** The `nonce` attributes on the page's `<script>` tags. */
export function scriptNonces(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>/gi)) {
    const nonce = /\bnonce\s*=\s*"([^"]*)"/i.exec(m[1])?.[1];
    if (nonce !== undefined) out.push(decodeHtmlEntities(nonce));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CloudFront / S3 responses and signed URLs

/** `<Code>…</Code>` of an S3 or CloudFront XML error body. */
export function xmlErrorCode(body: string): string | null {
  return /<Code>([^<]{1,100})<\/Code>/.exec(body)?.[1] ?? null;
}

/** The `DateLessThan` epoch of a custom policy in CloudFront base64, or null. */
export function policyExpiry(policyB64: string): number | null {
  const bytes = cfBase64Decode(policyB64);
  if (!bytes) return null;
  try {
    const policy = JSON.parse(bytes.toString("utf8")) as { Statement?: { Condition?: { DateLessThan?: { "AWS:EpochTime"?: unknown } } }[] };
    const t = policy.Statement?.[0]?.Condition?.DateLessThan?.["AWS:EpochTime"];
    return typeof t === "number" && Number.isInteger(t) ? t : null;
  } catch {
    return null;
  }
}

/** When a CloudFront signed URL stops working (epoch seconds): `Expires` (canned) or the policy's `DateLessThan`. */
export function signedUrlExpiry(url: string): number | null {
  const q = new URL(url).searchParams;
  if (!q.get("Signature") || !q.get("Key-Pair-Id")) return null;
  const expires = q.get("Expires");
  if (expires !== null) return /^\d{1,12}$/.test(expires) ? Number(expires) : null;
  const policy = q.get("Policy");
  return policy ? policyExpiry(policy) : null;
}

/** The URL without its query: the same object, unsigned. */
export function withoutQuery(url: string): string {
  const u = new URL(url);
  u.search = "";
  u.hash = "";
  return u.toString();
}

/**
 * A CloudFront base64 signature with one character changed in the middle (still valid base64 of
 * the same length, so CloudFront gets as far as checking it).
 */
export function tamperValue(signature: string): string {
  const i = Math.floor(signature.length / 2);
  const c = signature[i];
  const replacement = c === "A" ? "B" : "A";
  return signature.slice(0, i) + replacement + signature.slice(i + 1);
}

/** The signed URL with its `Signature` tampered (see `tamperValue`). */
export function tamperSignature(url: string): string {
  const u = new URL(url);
  const sig = u.searchParams.get("Signature");
  if (!sig) throw new Error("Not a signed URL: no Signature parameter.");
  // Replace in the raw query so everything else keeps its exact encoding (the edge and
  // CloudFront rebuild the signed resource from the URL as sent).
  u.search = u.search.replace(`Signature=${sig}`, `Signature=${tamperValue(sig)}`);
  return u.toString();
}

/** The first URI of an HLS playlist (a variant playlist in a master, a segment in a media playlist). */
export function firstPlaylistUri(text: string): string | null {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line && !line.startsWith("#")) return line;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Cookies

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

// ---------------------------------------------------------------------------------------------
// Results

export type Outcome = "PASS" | "FAIL" | "SKIP";

export interface CheckResult {
  outcome: Outcome;
  name: string;
  detail: string;
}

/** `PASS <name> — <detail>` on one line. */
export function formatResult(r: CheckResult): string {
  return `${r.outcome} ${r.name} — ${r.detail.replace(/\s*\n\s*/g, " ")}`;
}

/** The inverse of `formatResult`; null for any other line (info lines start with `#`). */
export function parseResultLine(line: string): CheckResult | null {
  const m = /^(PASS|FAIL|SKIP) (\S+) — (.*)$/.exec(line);
  return m ? { outcome: m[1] as Outcome, name: m[2], detail: m[3] } : null;
}

/** The checks, in the order they print. */
export const SMOKE_CHECKS = [
  "app-health",
  "unsigned-media",
  "public-media",
  "bucket-private",
  "https-redirect",
  "signed-url",
  "signed-cookies",
  "signed-playlist",
  "tampered-signature",
  "expired",
  "app-headers",
  "media-headers",
] as const;
export type SmokeCheck = (typeof SMOKE_CHECKS)[number];
