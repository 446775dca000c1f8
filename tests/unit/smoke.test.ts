import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";
import { verifyRequest } from "@/lib/cloudfront/verify";
import { bucketReadUrl, parseSmokeArgs, publicMediaUrl, UsageError, type SmokeOptions } from "@/lib/ops/smoke/args";
import { BrowserCookieJar } from "@/lib/ops/smoke/cookies";
import { cspNonce, extractLessonMedia, htmlTags, lessonLinks, scriptNonces } from "@/lib/ops/smoke/html";
import { runSmokeCheck, type SmokeState } from "@/lib/ops/smoke/checks";
import { describeError, type SmokeClient, type SmokeResponse } from "@/lib/ops/smoke/http";
import { CheckFailure, exitCode, formatResult, parseResultLine, runCheck, Skip, SMOKE_CHECKS, summaryLine, type CheckResult } from "@/lib/ops/smoke/results";
import { runSmoke } from "@/lib/ops/smoke/run";
import { firstPlaylistUri, signedUrlExpiry, tamperSignature, withoutQuery, xmlErrorCode } from "@/lib/ops/smoke/signed";

const APP = "https://learn.example.com";
const MEDIA = "https://media.example.com";

describe("smoke arguments", () => {
  const parse = (args: string[], env = {}) => parseSmokeArgs(args, env) as SmokeOptions;

  it("takes --flag value and --flag=value, with defaults", () => {
    const o = parse(["--app", `${APP}/`, `--media=${MEDIA}`]);
    expect(o.app.toString()).toBe(`${APP}/`);
    expect(o.media.origin).toBe(MEDIA);
    expect(o).toMatchObject({ bucketUrl: null, email: null, password: null, lesson: null, publicPath: null, insecureHttpOk: false, maxWaitSeconds: 300, timeoutMs: 20_000 });
  });

  it("reads every option, the password from SMOKE_PASSWORD when not given", () => {
    const o = parse(
      ["--app", APP, "--media", MEDIA, "--bucket-url", "https://b.s3.eu-west-1.amazonaws.com/", "--email", "t@example.com", "--lesson", "/courses/x/lessons/l1", "--public-path", "public/a.png", "--insecure-http-ok", "--max-wait", "90", "--timeout=5"],
      { SMOKE_PASSWORD: "from-env-1" },
    );
    expect(o).toMatchObject({ email: "t@example.com", password: "from-env-1", lesson: "/courses/x/lessons/l1", publicPath: "public/a.png", insecureHttpOk: true, maxWaitSeconds: 90, timeoutMs: 5000 });
    expect(o.bucketUrl?.toString()).toBe("https://b.s3.eu-west-1.amazonaws.com/");
    expect(parseSmokeArgs(["--help"])).toBe("help");
  });

  it.each([
    [[], /required/],
    [["--app", APP], /required/],
    [["--app", APP, "--media", MEDIA, "--bogus"], /Unknown argument/],
    [["--app", APP, "--media"], /needs a value/],
    [["--app", "--media", MEDIA], /needs a value/],
    [["--app", APP, "--app", APP, "--media", MEDIA], /twice/],
    [["--app", "learn.example.com", "--media", MEDIA], /not a URL/],
    [["--app", "ftp://learn.example.com", "--media", MEDIA], /only http/],
    [["--app", `${APP}/courses`, "--media", MEDIA], /origin without a path/],
    [["--app", "https://u:p@learn.example.com", "--media", MEDIA], /credentials/],
    [["--app", APP, "--media", MEDIA, "--email", "a@b.c"], /go together/],
    [["--app", APP, "--media", MEDIA, "--max-wait", "-1"], /seconds/],
    [["--app", APP, "--media", MEDIA, "--timeout", "0"], /seconds/],
    [["--app", APP, "--media", MEDIA, "--insecure-http-ok=yes"], /takes no value/],
    [["--app", APP, "--media", MEDIA, "--lesson", "https://evil.example.com/courses/x/lessons/l"], /not on the app/],
    [["--app", APP, "--media", MEDIA, "--lesson", "/courses/x"], /expected \/courses/],
  ])("refuses %j", (args, message) => {
    expect(() => parseSmokeArgs(args as string[], {})).toThrow(UsageError);
    expect(() => parseSmokeArgs(args as string[], {})).toThrow(message as RegExp);
  });

  it("public paths stay under /public/ on the media origin", () => {
    const media = new URL(MEDIA);
    expect(publicMediaUrl(media, "public/a.png").toString()).toBe(`${MEDIA}/public/a.png`);
    expect(publicMediaUrl(media, "/public/a.png").toString()).toBe(`${MEDIA}/public/a.png`);
    expect(() => publicMediaUrl(media, "/courses/a.png")).toThrow(UsageError);
    expect(() => publicMediaUrl(media, "https://other.example.com/public/a.png")).toThrow(UsageError);
  });

  it("a bucket root gets the key of a real object appended; a full object URL is used as given", () => {
    const root = new URL("https://acme-media.s3.eu-west-1.amazonaws.com/");
    expect(bucketReadUrl(root, "/courses/c1/lessons/l1/video/a1/poster.jpg")).toEqual({
      url: new URL("https://acme-media.s3.eu-west-1.amazonaws.com/courses/c1/lessons/l1/video/a1/poster.jpg"),
      knownObject: true,
    });
    const local = bucketReadUrl(new URL("http://127.0.0.1:4569/media/"), "/courses/c1/a%20b.jpg");
    expect(local.url.toString()).toBe("http://127.0.0.1:4569/media/courses/c1/a%20b.jpg");
    expect(bucketReadUrl(root, null).knownObject).toBe(false);
    const full = new URL("https://acme-media.s3.eu-west-1.amazonaws.com/courses/x.jpg");
    expect(bucketReadUrl(full, "/courses/other.jpg")).toEqual({ url: full, knownObject: true });
  });
});

describe("lesson page HTML", () => {
  // As React renders the player, captions and downloads (attributes in prop order, & as &amp;).
  const html = `<!DOCTYPE html><html><head><script nonce="bm9uY2Ux">self.__next_f.push([1,"<video poster=\\"https://evil.example.com/x.jpg\\">"])</script></head><body>
    <nav><a href="/courses/cloud-security">← Practical Cloud Security</a>
    <a href="/courses/cloud-security/lessons/l1" aria-current="page">Why</a><a href="/courses/cloud-security/lessons/l2">Signed</a>
    <a href="/courses/cloud-security/lessons/l2#top">again</a><a href="https://elsewhere.example.com/courses/a/lessons/b">x</a></nav>
    <div class="space-y-2" data-testid="video-player" data-ready="false" data-manifest-url="${MEDIA}/courses/c1/lessons/l1/video/a1/master.m3u8">
    <video class="w-full" controls="" playsInline="" poster="${MEDIA}/courses/c1/lessons/l1/video/a1/poster.jpg?Policy=eyJ9&amp;Signature=abc~&amp;Key-Pair-Id=K1" data-testid="lesson-video">
    <track kind="captions" src="${MEDIA}/courses/c1/lessons/l1/video/a1/captions/en.vtt?Policy=eyJ9&amp;Signature=abc~&amp;Key-Pair-Id=K1" srcLang="en" label="English"/></video></div>
    <a href="${MEDIA}/courses/c1/lessons/l1/attachments/b2.pdf?Expires=1800000000&amp;Key-Pair-Id=K1&amp;Signature=x-y_" class="font-medium" data-testid="attachment-link" download="">worksheet.pdf</a>
    </body></html>`;

  it("finds the manifest, the poster, the captions and the attachments, entity-decoded, not inside scripts", () => {
    expect(extractLessonMedia(html, `${APP}/courses/cloud-security/lessons/l1`)).toEqual({
      manifestUrl: `${MEDIA}/courses/c1/lessons/l1/video/a1/master.m3u8`,
      posterUrl: `${MEDIA}/courses/c1/lessons/l1/video/a1/poster.jpg?Policy=eyJ9&Signature=abc~&Key-Pair-Id=K1`,
      captionUrls: [`${MEDIA}/courses/c1/lessons/l1/video/a1/captions/en.vtt?Policy=eyJ9&Signature=abc~&Key-Pair-Id=K1`],
      attachmentUrls: [`${MEDIA}/courses/c1/lessons/l1/attachments/b2.pdf?Expires=1800000000&Key-Pair-Id=K1&Signature=x-y_`],
    });
  });

  it("resolves an app-relative manifest (cookie-less HLS) against the page", () => {
    const page = `<div data-testid="video-player" data-manifest-url="/api/lessons/l1/hls/master.m3u8"></div>`;
    expect(extractLessonMedia(page, `${APP}/courses/c/lessons/l1`).manifestUrl).toBe(`${APP}/api/lessons/l1/hls/master.m3u8`);
    expect(extractLessonMedia("<p>no video</p>", APP)).toEqual({ manifestUrl: null, posterUrl: null, captionUrls: [], attachmentUrls: [] });
  });

  it("lists the app's lesson links once, as paths", () => {
    expect(lessonLinks(html)).toEqual(["/courses/cloud-security/lessons/l1", "/courses/cloud-security/lessons/l2"]);
  });

  it("reads attributes however they are quoted, entity-decoded, the first of a repeated one", () => {
    expect(htmlTags(`<A HREF="a&amp;b &lt;&gt; &quot;&#39;&#x27; &unknown; &hellip;" title='x"y' data-x=/p/q?r=1&amp;s=2 hidden href="second">`)).toEqual([
      { name: "a", attrs: { href: `a&b <> "'' &unknown; …`, title: 'x"y', "data-x": "/p/q?r=1&s=2", hidden: "" } },
    ]);
  });

  it("sees no markup inside comments, scripts and styles", () => {
    const page = `<!-- <video poster="/old.jpg"> --><style>a::after { content: "<track src='/x.vtt'>" }</style><script nonce="n1">document.write("<a href='/courses/x/lessons/l9'>")</script><video poster="/p.jpg"></video>`;
    expect(htmlTags(page).map((t) => t.name)).toEqual(["style", "script", "video"]);
    expect(extractLessonMedia(page, APP)).toMatchObject({ posterUrl: `${APP}/p.jpg`, captionUrls: [] });
    expect(lessonLinks(page)).toEqual([]);
    expect(scriptNonces(page)).toEqual(["n1"]);
  });

  it("reads the CSP nonce and the nonces on script tags", () => {
    const csp = "default-src 'self'; script-src 'self' 'nonce-bm9uY2Ux' 'strict-dynamic'; frame-ancestors 'none'";
    expect(cspNonce(csp)).toBe("bm9uY2Ux");
    expect(cspNonce("default-src 'self'; style-src 'nonce-abc'")).toBeNull();
    expect(scriptNonces(html)).toEqual(["bm9uY2Ux"]);
  });
});

describe("responses and playlists", () => {
  it("reads the code of an S3 / CloudFront XML error", () => {
    expect(xmlErrorCode('<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id</Message></Error>')).toBe("MissingKey");
    expect(xmlErrorCode("<html>403</html>")).toBeNull();
  });

  it("finds the first URI of a playlist", () => {
    expect(firstPlaylistUri("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n360p/index.m3u8\n720p/index.m3u8\n")).toBe("360p/index.m3u8");
    expect(firstPlaylistUri("#EXTM3U\n#EXT-X-ENDLIST\n")).toBeNull();
  });

  it("formats one line per check and parses it back", () => {
    const line = formatResult({ outcome: "PASS", name: "signed-url", detail: "poster 200\n  captions 200" });
    expect(line).toBe("PASS signed-url — poster 200 captions 200");
    expect(parseResultLine(line)).toEqual({ outcome: "PASS", name: "signed-url", detail: "poster 200 captions 200" });
    expect(parseResultLine("# 10 passed")).toBeNull();
  });

  it("a check PASSes with its detail, SKIPs on Skip, FAILs on anything else", async () => {
    expect(await runCheck("x", async () => "fine")).toEqual({ outcome: "PASS", name: "x", detail: "fine" });
    expect(await runCheck("x", async () => Promise.reject(new Skip("not here")))).toEqual({ outcome: "SKIP", name: "x", detail: "not here" });
    expect(await runCheck("x", async () => Promise.reject(new CheckFailure("403")))).toEqual({ outcome: "FAIL", name: "x", detail: "403" });
    expect(await runCheck("x", async () => Promise.reject(new Error("GET /: ECONNREFUSED")))).toMatchObject({ outcome: "FAIL", detail: "GET /: ECONNREFUSED" });
  });

  it("runs the checks through the client it is given", async () => {
    const seen: string[] = [];
    const http = {
      request: async (url: string | URL) => {
        seen.push(url.toString());
        return { url: url.toString(), status: 200, headers: new Headers(), setCookies: [], body: Buffer.from("ok"), text: '{"ok":true}' } satisfies SmokeResponse;
      },
    } as unknown as SmokeClient;
    const opts = parseSmokeArgs(["--app", APP, "--media", MEDIA], {}) as SmokeOptions;
    const state: SmokeState = { opts, http, lesson: null, mediaResponses: [], signedUrls: [], streamingCookie: null, log: () => {}, sleep: async () => {} };
    expect(await runSmokeCheck("app-health", state)).toEqual({ outcome: "PASS", name: "app-health", detail: 'GET /api/health 200 {"ok":true}' });
    expect(seen).toEqual([`${APP}/api/health`]);
    expect(await runSmokeCheck("signed-url", state)).toMatchObject({ outcome: "SKIP", detail: expect.stringContaining("--email") });
    state.lesson = new Error("signing in as t@example.com failed: callback answered 401");
    expect(await runSmokeCheck("signed-url", state)).toMatchObject({ outcome: "FAIL", detail: "signing in as t@example.com failed: callback answered 401" });
  });

  it("a run reports every check in order after the header line; the summary and exit code follow from the results", async () => {
    const http = {
      request: async (url: string | URL) =>
        ({ url: url.toString(), status: 503, headers: new Headers(), setCookies: [], body: Buffer.alloc(0), text: "" }) satisfies SmokeResponse,
      serverNow: () => Date.now(),
    } as unknown as SmokeClient;
    const opts = parseSmokeArgs(["--app", APP, "--media", MEDIA], {}) as SmokeOptions;
    const lines: string[] = [];
    const results = await runSmoke(opts, { http, log: (l) => lines.push(l), report: (r) => lines.push(formatResult(r)) });
    expect(lines[0]).toBe(`# smoke check: app ${APP}, media ${MEDIA}`);
    expect(lines.slice(1).map((l) => parseResultLine(l)?.name)).toEqual([...SMOKE_CHECKS]);
    expect(results.map((r) => r.name)).toEqual([...SMOKE_CHECKS]);
    expect(results[0]).toMatchObject({ outcome: "FAIL", detail: expect.stringContaining("answered 503") });
    const pass: CheckResult = { outcome: "PASS", name: "a", detail: "" };
    const skip: CheckResult = { outcome: "SKIP", name: "b", detail: "" };
    const fail: CheckResult = { outcome: "FAIL", name: "c", detail: "" };
    expect(summaryLine([pass, pass, skip, fail])).toBe("# 2 passed, 1 failed, 1 skipped");
    expect(exitCode([pass, skip])).toBe(0);
    expect(exitCode([pass, fail])).toBe(1);
  });

  it("says in a few words why a request got no answer", () => {
    expect(describeError(Object.assign(new Error("The operation was aborted due to timeout"), { name: "TimeoutError" }))).toBe("no answer in time");
    expect(describeError(new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } }))).toBe("fetch failed (ECONNREFUSED)");
    expect(describeError("odd")).toBe("odd");
  });
});

describe("signed URLs", () => {
  const pem = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const NOW = 1_800_000_000;
  const folder = `${MEDIA}/courses/c1/lessons/l1/`;

  for (const [kind, key] of [["ECDSA", pem], ["RSA", rsa]] as const) {
    const ring = createKeyRing({ activeKeyId: "K1", keys: [{ id: "K1", privateKeyPem: key }] });
    const signer = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: "SHA1" });
    const verify = (url: string, now = NOW) => verifyRequest({ url, cookies: {}, sourceIp: "198.51.100.7", now }, { trustedKeys: ring.publicKeys() });

    it(`${kind}: reads the expiry of canned and custom-policy URLs`, () => {
      expect(signedUrlExpiry(signer.signUrl(`${folder}a.pdf`, { expiresAt: NOW + 60 }))).toBe(NOW + 60);
      expect(signedUrlExpiry(signer.signUrlWithPolicy(`${folder}video/a1/poster.jpg`, { resource: `${folder}*`, expiresAt: NOW + 66 }))).toBe(NOW + 66);
      expect(signedUrlExpiry(`${folder}a.pdf`)).toBeNull();
      expect(signedUrlExpiry(`${folder}a.pdf?Policy=%%%&Signature=a&Key-Pair-Id=K1`)).toBeNull();
    });

    it(`${kind}: a tampered signature is refused as CloudFront would, the rest of the URL untouched`, () => {
      for (const signed of [
        signer.signUrl(`${folder}a.pdf?response-content-disposition=attachment`, { expiresAt: NOW + 60 }),
        signer.signUrlWithPolicy(`${folder}video/a1/poster.jpg`, { resource: `${folder}*`, expiresAt: NOW + 60 }),
      ]) {
        expect(verify(signed).ok).toBe(true);
        const tampered = tamperSignature(signed);
        expect(tampered).not.toBe(signed);
        expect(tampered.length).toBe(signed.length);
        expect(withoutQuery(tampered)).toBe(withoutQuery(signed));
        const original = new URL(signed).searchParams;
        const changed = new URL(tampered).searchParams;
        for (const name of ["Expires", "Policy", "Key-Pair-Id", "response-content-disposition"]) expect(changed.get(name)).toBe(original.get(name));
        expect(verify(tampered)).toMatchObject({ ok: false, code: expect.stringMatching(/^(AccessDenied|MalformedSignature)$/) });
        // And once expired, the untouched URL is refused too.
        expect(verify(signed, NOW + 61)).toMatchObject({ ok: false, code: "AccessDenied" });
      }
    });
  }
});

describe("cookie jar", () => {
  const app = new URL(`${APP}/api/lessons/l1/media-session`);
  const NOW = Date.parse("2027-01-01T00:00:00Z");
  /** The cookie a fresh jar stores for one Set-Cookie header, or null when it ignores it. */
  const stored = (header: string, url: URL | string = app) => new BrowserCookieJar().setCookies(url, [header])[0] ?? null;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("stores host-only cookies with the default path, and sends them only there", () => {
    const jar = new BrowserCookieJar();
    jar.setCookies(app, ["a=1", "b=2; Path=/; HttpOnly; SameSite=Lax"]);
    expect(jar.header(`${APP}/api/lessons/l1/x`)).toBe("a=1; b=2");
    expect(jar.header(`${APP}/dashboard`)).toBe("b=2");
    expect(jar.header(`https://sub.learn.example.com/api/lessons/l1/x`)).toBe("");
    expect(jar.get("b")).toMatchObject({ httpOnly: true, sameSite: "lax", hostOnly: true, path: "/" });
  });

  it("shares Domain cookies with a sibling host and matches paths on segment boundaries (the signed cookies' case)", () => {
    const jar = new BrowserCookieJar();
    const path = "/courses/c1/lessons/l1/";
    jar.setCookies(app, [`CloudFront-Policy=p; Path=${path}; Domain=example.com; Secure; HttpOnly`, `CloudFront-Signature=s; Path=${path}; Domain=.example.com; Secure; HttpOnly`]);
    const manifest = `${MEDIA}/courses/c1/lessons/l1/video/a1/master.m3u8`;
    expect(jar.header(manifest)).toBe("CloudFront-Policy=p; CloudFront-Signature=s");
    expect(jar.cookiesFor(manifest).map((c) => c.key)).toEqual(["CloudFront-Policy", "CloudFront-Signature"]);
    expect(jar.get("CloudFront-Signature")).toMatchObject({ value: "s", domain: "example.com", hostOnly: false, path, secure: true });
    expect(jar.header(`${MEDIA}/courses/c1/lessons/l10/video/a1/master.m3u8`)).toBe("");
    expect(jar.header(`http://media.example.com/courses/c1/lessons/l1/x`)).toBe(""); // Secure
    expect(jar.header(`https://media.example.org/courses/c1/lessons/l1/x`)).toBe("");
    // A path without the trailing slash matches itself and what is below it, not a longer name.
    const jar2 = new BrowserCookieJar();
    jar2.setCookies(app, ["k=v; Path=/courses/c1"]);
    expect(jar2.header(`${APP}/courses/c1/x`)).toBe("k=v");
    expect(jar2.header(`${APP}/courses/c1`)).toBe("k=v");
    expect(jar2.header(`${APP}/courses/c10`)).toBe("");
  });

  it("sends the longest path first", () => {
    const jar = new BrowserCookieJar();
    jar.setCookies(app, ["root=1; Path=/", "deep=2; Path=/api/lessons"]);
    expect(jar.header(`${APP}/api/lessons/l1`)).toBe("deep=2; root=1");
  });

  it("refuses a Domain that does not cover the host or is a public suffix, and broken __Secure-/__Host- prefixes", () => {
    expect(stored("x=1; Domain=other.com")).toBeNull();
    expect(stored("x=1; Domain=com")).toBeNull();
    expect(stored("x=1; Domain=example.com", "https://127.0.0.1/")).toBeNull();
    expect(stored("__Secure-x=1")).toBeNull();
    expect(stored("__Host-x=1; Secure; Path=/; Domain=learn.example.com")).toBeNull();
    expect(stored("__Host-next-auth.csrf-token=t; Path=/; Secure; HttpOnly; SameSite=Lax")).toMatchObject({ key: "__Host-next-auth.csrf-token", hostOnly: true });
    expect(stored("=1")).toBeNull();
  });

  it("keeps Secure cookies to https, except on localhost and loopback addresses (the local stack)", () => {
    expect(stored("x=1; Secure", "http://learn.example.com/")).toBeNull();
    // Browsers treat http://localhost and loopback addresses as secure contexts for cookies.
    for (const origin of ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]) {
      const jar = new BrowserCookieJar();
      expect(jar.setCookies(`${origin}/`, ["x=1; Secure; Path=/"])).toHaveLength(1);
      expect(jar.header(`${origin}/a`)).toBe("x=1");
    }
  });

  it("expires cookies by Max-Age (which wins, counted from when it was set) or Expires, and deletes on an expired Set-Cookie", () => {
    const jar = new BrowserCookieJar();
    jar.setCookies(app, ["m=1; Path=/; Max-Age=10; Expires=Thu, 01 Jan 2099 00:00:00 GMT", `e=2; Path=/; Expires=${new Date(NOW + 5000).toUTCString()}`]);
    expect(jar.header(`${APP}/`)).toBe("m=1; e=2");
    vi.setSystemTime(NOW + 6000);
    expect(jar.header(`${APP}/`)).toBe("m=1");
    vi.setSystemTime(NOW + 11_000);
    expect(jar.header(`${APP}/`)).toBe("");
    vi.setSystemTime(NOW);
    const jar2 = new BrowserCookieJar();
    jar2.setCookies(app, ["m=1; Path=/; Max-Age=10", "e=2; Path=/"]);
    expect(jar2.setCookies(app, ["m=1; Path=/; Max-Age=0"])).toEqual([]);
    expect(jar2.all().map((c) => c.key)).toEqual(["e"]);
    expect(jar2.header(`${APP}/`)).toBe("e=2");
  });

  it("a new value replaces the cookie of the same name, domain and path", () => {
    const jar = new BrowserCookieJar();
    jar.setCookies(app, ["s=old; Path=/"]);
    jar.setCookies(app, ["s=new; Path=/"]);
    expect(jar.header(`${APP}/`)).toBe("s=new");
    expect(jar.all()).toHaveLength(1);
  });
});
