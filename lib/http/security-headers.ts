/**
 * The security headers of the app's pages and API responses (set by proxy.ts on every request).
 * Pure: built from the origins the pages legitimately use.
 *
 * - Content-Security-Policy with a per-request nonce (Next.js applies it to its own scripts when
 *   it finds it in the request's policy header) and 'strict-dynamic', so only scripts Next loads
 *   run; media (images, HLS, captions) only from the app, the CDN/edge and — for direct uploads
 *   and s3-presigned delivery — the storage origin; `frame-ancestors 'none'` (no clickjacking of
 *   instructor pages); forms post only here (and to GitHub's sign-in when it is on).
 * - Referrer-Policy strict-origin-when-cross-origin: a page URL never leaks its query to other
 *   sites (media responses themselves say no-referrer, set by the edge / CloudFront).
 * - nosniff, X-Frame-Options DENY for old browsers, a restrictive Permissions-Policy, HSTS when
 *   the app is served over https.
 */
export interface SecurityHeaderOptions {
  nonce: string;
  /** Origin of the CDN or local edge (MEDIA_BASE_URL). */
  mediaOrigin: string;
  /** Origins the browser PUTs uploads to (and, in s3-presigned mode, reads media from). */
  storageOrigins: string[];
  /** GitHub sign-in is on: the sign-in form redirects there. */
  github: boolean;
  /** Next's development server needs eval for fast refresh. */
  development: boolean;
  /** The app is served over https (HSTS, upgrade-insecure-requests). */
  https: boolean;
}

export function contentSecurityPolicy(o: SecurityHeaderOptions): string {
  const media = [o.mediaOrigin, ...o.storageOrigins].filter(Boolean).join(" ");
  const directives: [string, string][] = [
    ["default-src", "'self'"],
    ["script-src", `'self' 'nonce-${o.nonce}' 'strict-dynamic'${o.development ? " 'unsafe-eval'" : ""}`],
    // React style attributes (progress bars) need inline styles; styles cannot run code.
    ["style-src", "'self' 'unsafe-inline'"],
    ["img-src", `'self' data: blob: ${media}`],
    ["media-src", `'self' blob: ${media}`],
    ["connect-src", `'self' ${media}`],
    ["font-src", "'self'"],
    // hls.js runs its transmuxer in a worker made from a blob URL.
    ["worker-src", "'self' blob:"],
    ["object-src", "'none'"],
    ["base-uri", "'self'"],
    ["form-action", `'self'${o.github ? " https://github.com" : ""}`],
    ["frame-ancestors", "'none'"],
    ...(o.https ? ([["upgrade-insecure-requests", ""]] as [string, string][]) : []),
  ];
  return directives.map(([k, v]) => (v ? `${k} ${v.trim()}` : k)).join("; ");
}

export function securityHeaders(o: SecurityHeaderOptions): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(o),
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    ...(o.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/** Where the browser sends uploads: the custom endpoint locally, the bucket's S3 hosts on AWS. */
export function storageOriginsOf(storage: { endpoint: string | undefined; bucket: string; region: string }): string[] {
  if (storage.endpoint) return [new URL(storage.endpoint).origin];
  return [`https://${storage.bucket}.s3.${storage.region}.amazonaws.com`, `https://s3.${storage.region}.amazonaws.com`];
}
