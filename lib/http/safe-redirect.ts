/**
 * A same-site path to go to after sign-in; anything else falls back. Pure.
 *
 * The path is parsed the way a browser will parse it (WHATWG URL: tabs and newlines removed
 * anywhere, `\` read as `/`, dot segments resolved) against a placeholder origin, and kept only
 * when it stays on that origin and does not start with `//` after normalisation. So
 * `/\t/evil.example` (a tab the browser drops), `/\evil.example` and `/.//evil.example` all
 * fall back, and what is returned is exactly what the browser will request.
 */
const BASE = "http://app.invalid";

export function safeCallbackPath(url: string | null | undefined, fallback = "/dashboard"): string {
  if (typeof url !== "string" || !url.startsWith("/")) return fallback;
  let parsed: URL;
  try {
    parsed = new URL(url, BASE);
  } catch {
    return fallback;
  }
  if (parsed.origin !== BASE) return fallback;
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  if (path.startsWith("//") || path.startsWith("/\\")) return fallback;
  return path;
}

/** The sign-in page, coming back to `path` afterwards. Pure. */
export function signInUrl(path: string): string {
  return `/signin?callbackUrl=${encodeURIComponent(path)}`;
}
