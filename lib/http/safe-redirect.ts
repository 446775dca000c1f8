/** A same-site path to go to after sign-in; anything else (other origins, `//host`, `/\host`) falls back. Pure. */
export function safeCallbackPath(url: string | null | undefined, fallback = "/dashboard"): string {
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return fallback;
  return url;
}

/** The sign-in page, coming back to `path` afterwards. Pure. */
export function signInUrl(path: string): string {
  return `/signin?callbackUrl=${encodeURIComponent(path)}`;
}
