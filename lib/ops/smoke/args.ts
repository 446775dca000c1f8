/**
 * `npm run smoke`'s command line (scripts/smoke.ts): the options, the usage text, and the URLs
 * derived from them (the lesson page, a `public/` object, the bucket read). Pure.
 */

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
