/**
 * The smoke check's checks, in the order they print (what each proves: docs/deploy.md "Smoke
 * check"). They talk HTTP only through the client in the state (run.ts makes it).
 */
import { bucketReadUrl, publicMediaUrl, type SmokeOptions } from "./args";
import type { Lesson } from "./account";
import { cspNonce, scriptNonces } from "./html";
import { describeStatus, short, type SmokeClient, type SmokeResponse } from "./http";
import { CheckFailure, expect, runCheck, Skip, type CheckResult, type SmokeCheck } from "./results";
import { firstPlaylistUri, policyExpiry, signedUrlExpiry, tamperSignature, tamperValue, withoutQuery, xmlErrorCode } from "./signed";

/** What the checks share: the options, the client, the account's lesson, and what earlier checks saw. */
export interface SmokeState {
  opts: SmokeOptions;
  http: SmokeClient;
  /** null: no credentials given; an Error: signing in or finding a lesson failed. */
  lesson: Lesson | null | Error;
  /** Responses from the media origin, for the header check. */
  mediaResponses: { what: string; res: SmokeResponse }[];
  /** What the expiry check replays. */
  signedUrls: { what: string; url: string }[];
  streamingCookie: { header: string; expiresAt: number; url: string } | null;
  /** Prints an information line (`# …`) while a check runs. */
  log: (line: string) => void;
  sleep: (ms: number) => Promise<void>;
}

/** A check resolves to its PASS detail, or throws CheckFailure (FAIL) or Skip (SKIP). */
type Check = (s: SmokeState) => Promise<string>;
const pass = (detail: string): string => detail;

function needLesson(s: SmokeState): Lesson {
  if (s.lesson === null) throw new Skip("no --email/--password: needs a test account enrolled in a course with a video");
  if (s.lesson instanceof Error) throw new CheckFailure(s.lesson.message);
  return s.lesson;
}

/** The lesson's object paths on the media origin (poster, manifest), unsigned. */
function realMediaPaths(s: SmokeState): string[] {
  if (!s.lesson || s.lesson instanceof Error) return [];
  const { posterUrl, manifestUrl } = s.lesson.media;
  return [posterUrl, manifestUrl]
    .filter((u): u is string => u !== null && new URL(u).origin === s.opts.media.origin)
    .map((u) => new URL(withoutQuery(u)).pathname);
}

const checks: Record<SmokeCheck, Check> = {
  "app-health": async ({ opts, http }) => {
    const res = await http.request(new URL("/api/health", opts.app), { jar: false });
    expect(res.status === 200, `GET /api/health answered ${res.status}: ${res.text.slice(0, 200)}`);
    return pass(`GET /api/health 200 ${res.text.slice(0, 120)}`);
  },

  "unsigned-media": async (s) => {
    const paths = realMediaPaths(s);
    const real = paths.length > 0;
    if (!real) paths.push("/courses/smoke-check/lessons/smoke-check/poster.jpg");
    const seen: string[] = [];
    for (const path of paths) {
      const res = await s.http.request(new URL(path, s.opts.media), { jar: false });
      s.mediaResponses.push({ what: `403 of ${short(res.url)}`, res });
      expect(res.status === 403 && xmlErrorCode(res.text) === "MissingKey", `GET ${short(res.url)} without signature answered ${describeStatus(res)}, expected 403 MissingKey`);
      seen.push(short(res.url));
    }
    return pass(`403 MissingKey without signature or cookies for ${seen.join(" and ")}${real ? " (objects that exist)" : ""}`);
  },

  "public-media": async ({ opts, http, mediaResponses }) => {
    if (!opts.publicPath) throw new Skip("no --public-path given (nothing under public/ has to exist)");
    const url = publicMediaUrl(opts.media, opts.publicPath);
    const res = await http.request(url, { jar: false });
    mediaResponses.push({ what: `public ${short(url.toString())}`, res });
    expect(res.status === 200, `GET ${url.pathname} without signature answered ${describeStatus(res)}, expected 200`);
    return pass(`GET ${url.pathname} 200 without signature (${res.body.length} bytes)`);
  },

  "bucket-private": async (s) => {
    if (!s.opts.bucketUrl) throw new Skip("no --bucket-url given");
    const known = realMediaPaths(s)[0] ?? null;
    const { url, knownObject } = bucketReadUrl(s.opts.bucketUrl, known);
    const res = await s.http.request(url, { jar: false });
    const code = xmlErrorCode(res.text);
    expect(res.status !== 200, `anonymous GET ${url.host}${short(url.toString())} answered 200 (${res.body.length} bytes): the bucket is readable without credentials`);
    expect(res.status === 403, `anonymous GET ${url.host}${short(url.toString())} answered ${describeStatus(res)}, expected 403 (404 means anonymous callers may list the bucket)`);
    return pass(`anonymous GET ${url.host}${short(url.toString())} 403${code ? ` ${code}` : ""}${knownObject ? " (an object that exists)" : " (no known key: pass the account or a full object URL)"}`);
  },

  "https-redirect": async ({ opts, http }) => {
    const parts: string[] = [];
    const insecure: string[] = [];
    for (const [what, base, path] of [
      ["app", opts.app, "/courses"],
      ["media", opts.media, "/courses/smoke-check/lessons/smoke-check/poster.jpg"],
    ] as const) {
      if (base.protocol !== "https:") {
        insecure.push(`${what} ${base.origin}`);
        continue;
      }
      const plain = new URL(path, base);
      plain.protocol = "http:";
      const res = await http.request(plain, { jar: false });
      const location = res.headers.get("location") ?? "";
      expect(
        [301, 302, 307, 308].includes(res.status) && location.startsWith(`https://${base.host}`),
        `GET ${plain.origin}${path} answered ${res.status}${location ? ` → ${location}` : ""}, expected a redirect to https://${base.host}`,
      );
      parts.push(`${plain.origin} ${res.status} → ${location}`);
    }
    if (insecure.length) {
      const what = `${insecure.join(" and ")} ${insecure.length > 1 ? "are" : "is"} http only`;
      if (!opts.insecureHttpOk) throw new CheckFailure(`${what}: a deployed stack serves https (pass --insecure-http-ok for a local or trial stack)`);
      if (!parts.length) throw new Skip(`${what} (--insecure-http-ok: local or trial stack, no TLS to redirect to)`);
      return pass(`${parts.join("; ")}; ${what} (--insecure-http-ok)`);
    }
    return pass(parts.join("; "));
  },

  "signed-url": async (s) => {
    const lesson = needLesson(s);
    const { posterUrl, captionUrls, attachmentUrls } = lesson.media;
    const urls = [
      ...(posterUrl ? [{ what: "poster", url: posterUrl }] : []),
      ...captionUrls.slice(0, 1).map((url) => ({ what: "captions", url })),
      ...attachmentUrls.slice(0, 1).map((url) => ({ what: "attachment", url })),
    ].filter((u) => new URL(u.url).origin === s.opts.media.origin);
    expect(urls.length > 0, `the lesson page ${lesson.pageUrl.pathname} has no signed media URL on ${s.opts.media.origin}`);
    const parts: string[] = [];
    for (const { what, url } of urls) {
      const expiry = signedUrlExpiry(url);
      expect(expiry !== null, `the ${what} URL is not a CloudFront signed URL: ${short(url)}`);
      // A fresh client, no cookies: the URL alone must open the object (as when copied).
      const res = await s.http.request(url, { jar: false });
      s.mediaResponses.push({ what: `signed ${what}`, res });
      expect(res.status === 200, `GET the signed ${what} URL answered ${describeStatus(res)}, expected 200`);
      s.signedUrls.push({ what, url });
      const kind = new URL(url).searchParams.has("Policy") ? "custom policy" : "canned policy";
      parts.push(`${what} 200 (${kind}, ${res.headers.get("content-type") ?? "?"}, expires in ${Math.round(expiry - s.http.serverNow() / 1000)} s)`);
    }
    return pass(`signed URLs from ${lesson.pageUrl.pathname}: ${parts.join(", ")}`);
  },

  "signed-cookies": async (s) => {
    const lesson = needLesson(s);
    const manifest = new URL(lesson.media.manifestUrl!);
    if (manifest.origin !== s.opts.media.origin) throw new Skip(`HLS is served by the app with a policy query per URI (MEDIA_HLS_AUTH=query), not with cookies: see signed-playlist`);
    const session = await s.http.request(new URL(`/api/lessons/${lesson.lessonId}/media-session`, s.opts.app), {
      method: "POST",
      headers: { Origin: s.opts.app.origin },
    });
    expect(session.status === 200, `POST media-session answered ${session.status}: ${session.text.slice(0, 200)}`);
    const issued = session.setCookies.filter((c) => c.startsWith("CloudFront-"));
    const names = issued.map((c) => c.slice(0, c.indexOf("="))).sort();
    expect(names.includes("CloudFront-Signature") && names.includes("CloudFront-Key-Pair-Id"), `POST media-session set no CloudFront cookies (${session.setCookies.length} Set-Cookie headers)`);
    expect(issued.every((c) => /;\s*HttpOnly/i.test(c)), "a CloudFront cookie is not HttpOnly");
    if (s.opts.media.protocol === "https:") expect(issued.every((c) => /;\s*Secure/i.test(c)), "a CloudFront cookie is not Secure on https");
    const sent = s.http.jar.cookiesFor(manifest).filter((c) => c.key.startsWith("CloudFront-"));
    const path = s.http.jar.get("CloudFront-Signature");
    expect(
      sent.length === names.length,
      `the CloudFront cookies are not sent to ${manifest.host}${manifest.pathname} (Domain=${path?.hostOnly ? "(host-only " + path.domain + ")" : path?.domain}, Path=${path?.path}): MEDIA_COOKIE_DOMAIN must be a parent of the app and media hosts`,
    );
    const cookieHeader = s.http.jar.header(manifest);
    const policy = s.http.jar.get("CloudFront-Policy")?.value;
    const expiresAt = (policy ? policyExpiry(policy) : null) ?? Number(s.http.jar.get("CloudFront-Expires")?.value);
    expect(Number.isFinite(expiresAt), "the CloudFront cookies carry no readable expiry");
    s.streamingCookie = { header: cookieHeader, expiresAt, url: manifest.toString() };

    const master = await s.http.request(manifest);
    s.mediaResponses.push({ what: "HLS master (cookies)", res: master });
    expect(master.status === 200 && master.text.startsWith("#EXTM3U"), `GET ${short(manifest.toString())} with the cookies answered ${describeStatus(master)}, expected 200 and a playlist`);
    const variantRef = firstPlaylistUri(master.text);
    expect(variantRef, "the master playlist names no variant");
    const variant = await s.http.request(new URL(variantRef, manifest));
    expect(variant.status === 200 && variant.text.startsWith("#EXTM3U"), `GET variant ${variantRef} with the cookies answered ${describeStatus(variant)}`);
    const segmentRef = firstPlaylistUri(variant.text);
    expect(segmentRef, `the variant playlist ${variantRef} names no segment`);
    const segmentUrl = new URL(segmentRef, variant.url);
    const segment = await s.http.request(segmentUrl, { headers: { Range: "bytes=0-1023" } });
    expect(segment.status === 206 || segment.status === 200, `GET segment ${segmentRef} with the cookies answered ${describeStatus(segment)}`);
    return pass(
      `POST media-session set ${names.join(", ")} (Path=${path?.path}, HttpOnly, expire in ${Math.round(expiresAt - s.http.serverNow() / 1000)} s); ` +
        `with them: ${short(manifest.toString())} 200, ${variantRef} 200, ${segmentRef} ${segment.status}`,
    );
  },

  "signed-playlist": async (s) => {
    const lesson = needLesson(s);
    const manifest = new URL(lesson.media.manifestUrl!);
    const name = manifest.pathname.slice(manifest.pathname.lastIndexOf("/") + 1);
    const url = manifest.origin === s.opts.app.origin ? manifest : new URL(`/api/lessons/${lesson.lessonId}/hls/${name}`, s.opts.app);
    const master = await s.http.request(url);
    expect(master.status === 200 && master.text.startsWith("#EXTM3U"), `GET ${url.pathname} (signed in) answered ${master.status}`);
    const variantRef = firstPlaylistUri(master.text);
    expect(variantRef, "the master playlist names no variant");
    const variant = await s.http.request(new URL(variantRef, url));
    expect(variant.status === 200 && variant.text.startsWith("#EXTM3U"), `GET ${variantRef} answered ${variant.status}`);
    const segmentRef = firstPlaylistUri(variant.text);
    expect(segmentRef, "the variant playlist names no segment");
    const segmentUrl = new URL(segmentRef, variant.url).toString();
    expect(new URL(segmentUrl).origin === s.opts.media.origin && signedUrlExpiry(segmentUrl) !== null, `the segment URI is not a signed URL on ${s.opts.media.origin}: ${short(segmentUrl)}`);
    // No cookies: the query alone must open the segment.
    const segment = await s.http.request(segmentUrl, { jar: false, headers: { Range: "bytes=0-1023" } });
    expect(segment.status === 206 || segment.status === 200, `GET the signed segment ${short(segmentUrl)} answered ${describeStatus(segment)}`);
    s.signedUrls.push({ what: "segment", url: segmentUrl });
    return pass(`cookie-less HLS from the app: ${url.pathname} 200, ${variant.url.replace(s.opts.app.origin, "")} 200, segment with policy query ${segment.status}`);
  },

  "tampered-signature": async (s) => {
    needLesson(s);
    const first = s.signedUrls[0];
    expect(first, "no signed URL to tamper with (see signed-url)");
    const parts: string[] = [];
    const res = await s.http.request(tamperSignature(first.url), { jar: false });
    const code = xmlErrorCode(res.text);
    expect(res.status === 403 && (code === "AccessDenied" || code === "MalformedSignature"), `the ${first.what} URL with a changed Signature answered ${describeStatus(res)}, expected 403 AccessDenied or MalformedSignature`);
    parts.push(`${first.what} URL with one Signature character changed: 403 ${code}`);
    if (s.streamingCookie) {
      const header = s.streamingCookie.header.replace(/(CloudFront-Signature=)([^;]+)/, (_m, k: string, v: string) => k + tamperValue(v));
      const cookieRes = await s.http.request(s.streamingCookie.url, { cookie: header, jar: false });
      const cookieCode = xmlErrorCode(cookieRes.text);
      expect(cookieRes.status === 403 && (cookieCode === "AccessDenied" || cookieCode === "MalformedSignature"), `the playlist with a changed CloudFront-Signature cookie answered ${describeStatus(cookieRes)}`);
      parts.push(`playlist with a changed CloudFront-Signature cookie: 403 ${cookieCode}`);
    }
    return pass(parts.join("; "));
  },

  expired: async (s) => {
    needLesson(s);
    expect(s.signedUrls.length > 0 || s.streamingCookie, "nothing signed to wait for (see signed-url and signed-cookies)");
    const expiries = [...s.signedUrls.map((u) => signedUrlExpiry(u.url)!), ...(s.streamingCookie ? [s.streamingCookie.expiresAt] : [])];
    const latest = Math.max(...expiries);
    // Past the latest expiry by the server's clock, with 2 s for the Date header's resolution.
    const waitMs = Math.max(0, latest * 1000 + 2000 - s.http.serverNow());
    if (waitMs > s.opts.maxWaitSeconds * 1000) throw new Skip(`the signed URLs and cookies expire in ${Math.ceil(waitMs / 1000)} s, more than --max-wait ${s.opts.maxWaitSeconds}`);
    const what = s.streamingCookie ? "signed URLs and cookies" : "signed URLs";
    s.log(`# expired: waiting ${(waitMs / 1000).toFixed(1)} s until the ${what} above have expired (stream/download lifetimes, MEDIA_TTL_*)`);
    await s.sleep(waitMs);
    const parts: string[] = [];
    for (const { what, url } of s.signedUrls) {
      const res = await s.http.request(url, { jar: false });
      expect(res.status === 403 && xmlErrorCode(res.text) === "AccessDenied", `the expired ${what} URL answered ${describeStatus(res)}, expected 403 AccessDenied`);
      parts.push(what);
    }
    if (s.streamingCookie) {
      // Sent as a copied cookie would be: a browser drops it at its Expires, CloudFront refuses it anyway.
      const res = await s.http.request(s.streamingCookie.url, { cookie: s.streamingCookie.header, jar: false });
      expect(res.status === 403 && xmlErrorCode(res.text) === "AccessDenied", `the playlist with expired cookies answered ${describeStatus(res)}, expected 403 AccessDenied`);
      parts.push("playlist with the cookies");
    }
    return pass(`after ${(waitMs / 1000).toFixed(1)} s: 403 AccessDenied for ${parts.join(", ")}`);
  },

  "app-headers": async (s) => {
    const https = s.opts.app.protocol === "https:";
    const pages: { what: string; headers: Headers; html: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await s.http.request(new URL("/courses", s.opts.app), { jar: false });
      expect(res.status === 200, `GET /courses answered ${res.status}`);
      pages.push({ what: "/courses", headers: res.headers, html: res.text });
    }
    if (s.lesson && !(s.lesson instanceof Error)) pages.push({ what: s.lesson.pageUrl.pathname, headers: s.lesson.headers, html: s.lesson.html });
    const nonces: string[] = [];
    for (const { what, headers, html } of pages) {
      const csp = headers.get("content-security-policy") ?? "";
      expect(csp, `${what}: no Content-Security-Policy`);
      expect(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/.test(csp), `${what}: the CSP lacks frame-ancestors 'none'`);
      const nonce = cspNonce(csp);
      expect(nonce, `${what}: the CSP's script-src has no nonce`);
      expect(scriptNonces(html).includes(nonce), `${what}: no <script> carries the CSP's nonce`);
      nonces.push(nonce);
      expect(headers.get("referrer-policy") === "strict-origin-when-cross-origin", `${what}: Referrer-Policy is ${JSON.stringify(headers.get("referrer-policy"))}, expected strict-origin-when-cross-origin`);
      expect(headers.get("x-content-type-options") === "nosniff", `${what}: X-Content-Type-Options is ${JSON.stringify(headers.get("x-content-type-options"))}`);
      if (https) expect(/max-age=[1-9]\d*/.test(headers.get("strict-transport-security") ?? ""), `${what}: no Strict-Transport-Security over https`);
    }
    expect(new Set(nonces).size === nonces.length, "the CSP nonce repeats across responses: it must be fresh per request");
    return pass(
      `${pages.map((p) => p.what).join(", ")}: CSP with frame-ancestors 'none' and a fresh nonce on the page's scripts, Referrer-Policy strict-origin-when-cross-origin, nosniff` +
        (https ? ", HSTS" : " (no HSTS over http)"),
    );
  },

  "media-headers": async (s) => {
    const https = s.opts.media.protocol === "https:";
    const ok = s.mediaResponses.filter((r) => r.res.status === 200 || r.res.status === 206);
    const errors = s.mediaResponses.filter((r) => r.res.status >= 400);
    expect(ok.length + errors.length > 0, "no media response to look at");
    const bad = (r: SmokeResponse) =>
      [
        r.headers.get("x-content-type-options") !== "nosniff" && `X-Content-Type-Options ${JSON.stringify(r.headers.get("x-content-type-options"))}`,
        r.headers.get("referrer-policy") !== "no-referrer" && `Referrer-Policy ${JSON.stringify(r.headers.get("referrer-policy"))}`,
        https && r.status < 400 && !/max-age=[1-9]/.test(r.headers.get("strict-transport-security") ?? "") && "no Strict-Transport-Security",
      ].filter(Boolean);
    for (const { what, res } of ok) {
      const problems = bad(res);
      expect(problems.length === 0, `${what}: ${problems.join(", ")}`);
    }
    // CloudFront's own error responses are not documented to carry the response headers policy: reported, not required.
    const errorsOk = errors.filter(({ res }) => bad(res).length === 0).length;
    const note = errors.length ? `; ${errorsOk}/${errors.length} error response${errors.length > 1 ? "s carry" : " carries"} them too` : "";
    if (!ok.length) {
      expect(errorsOk === errors.length, `${errors[0].what}: ${bad(errors[0].res).join(", ")}`);
      return pass(`X-Content-Type-Options nosniff and Referrer-Policy no-referrer on ${errors.length} error response${errors.length > 1 ? "s" : ""} (no signed response to look at)`);
    }
    return pass(`X-Content-Type-Options nosniff, Referrer-Policy no-referrer${https ? ", HSTS" : ""} on ${ok.map((r) => r.what).join(", ")}${note}`);
  },
};

/** Runs one check against the state (in SMOKE_CHECKS order: later checks use what earlier ones saw). */
export function runSmokeCheck(name: SmokeCheck, state: SmokeState): Promise<CheckResult> {
  return runCheck(name, () => checks[name](state));
}
