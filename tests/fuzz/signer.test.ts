/**
 * The signer, property-tested (issue 9 item 5; docs/decisions/036-forgery-fuzzing.md):
 * - round trip: for random object keys, app query strings, times, windows and IP ranges, every
 *   form the signer emits (canned URL, custom URL, policy query, cookies) is granted by the edge
 *   exactly inside its window / folder / range, and denied just outside;
 * - browser stability: every URL `assertSignableUrl` (hence every signing method) accepts is
 *   byte-identical after WHATWG parsing (`new URL(url).href`), so the bytes signed are the bytes
 *   a browser sends.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { assertSignableUrl, encodeUrlPath } from "@/lib/cloudfront/encode";
import { MAX_EPOCH } from "@/lib/cloudfront/policy";
import type { HashAlgorithm } from "@/lib/cloudfront/signer";
import { verifyRequest, type EdgeDecision, type EdgeRequest } from "@/lib/cloudfront/verify";
import { TRUSTED_IDS, signerFor, trustedKeys } from "./support/fixture";
import { TOTAL_RUNS, fcParams, fmt } from "./support/runs";

/** Signer properties scale with FUZZ_RUNS: 300 / 1,000 round trips, 5,000 / 200,000 URLs at 30k / 1M. */
const ROUND_TRIPS = Math.max(100, Math.round(TOTAL_RUNS / 100));
const URL_CANDIDATES = Math.max(1_000, Math.round(TOTAL_RUNS / 5));

const counts = { roundTrips: 0, decisions: 0, urls: 0, accepted: 0, refused: 0 };
const startedAt = Date.now();

const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/);
/** One decoded path segment: printable Unicode, ASCII controls, anything but `/` and dot segments. */
const segmentArb = fc
  .oneof(fc.string({ unit: "grapheme", minLength: 1, maxLength: 10 }), fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 6 }), fc.string({ unit: "binary", minLength: 1, maxLength: 4 }))
  .map((s) => s.replace(/\//g, "_"))
  .filter((s) => s !== "." && s !== "..");
/** App query parameters as the app builds them: encodeURIComponent, plus `'` as %27 (ADR 015). */
const encodeQuery = (s: string) => encodeURIComponent(s).replace(/'/g, "%27");
const appQueryArb = fc.option(
  fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/), fc.string({ unit: "grapheme", maxLength: 12 })), { minLength: 1, maxLength: 3 })
    .map((ps) => ps.map(([n, v]) => `${n}=${encodeQuery(v)}`).join("&")),
  { nil: undefined, freq: 3 },
);

function edge(url: string, now: number, cookies: Record<string, string> = {}, sourceIp = "198.51.100.7"): EdgeDecision {
  counts.decisions++;
  const req: EdgeRequest = { url, cookies, now, sourceIp };
  return verifyRequest(req, { trustedKeys });
}

describe("signer properties", () => {
  afterAll(() => {
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `signer fuzz: ${fmt(counts.roundTrips)} round trips (${fmt(counts.decisions)} edge decisions), ` +
        `${fmt(counts.urls)} candidate URLs (${fmt(counts.accepted)} accepted, all browser-stable; ${fmt(counts.refused)} refused) in ${seconds} s`,
    );
  });

  it(`round trip: ${fmt(ROUND_TRIPS)} random grants in every form verify at the edge, inside their bounds only`, () => {
    fc.assert(
      fc.property(
        fc.record({
          keyId: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...TRUSTED_IDS.filter((k) => k.startsWith("KEC"))) }, fc.constant("KRSA1")),
          hash: fc.constantFrom<HashAlgorithm>("SHA1", "SHA256"),
          origin: fc.constantFrom("https://media.example.com", "http://localhost:8787", "https://d111111abcdef8.cloudfront.net", "http://127.0.0.1:4000"),
          course: idArb,
          lesson: idArb,
          segments: fc.array(segmentArb, { minLength: 1, maxLength: 3 }),
          appQuery: appQueryArb,
          now: fc.integer({ min: 3600, max: MAX_EPOCH - 8 * 86400 }),
          ttl: fc.integer({ min: 2, max: 7 * 86400 }),
          startedAgo: fc.option(fc.integer({ min: 1, max: 3600 }), { nil: undefined }),
          ip: fc.option(fc.constantFrom("198.51.100.0/24", "198.51.100.7", "0.0.0.0/0", "198.51.100.4/30"), { nil: undefined }),
        }),
        (c) => {
          counts.roundTrips++;
          const s = signerFor("trusted", c.keyId, c.hash);
          const folder = `${c.origin}/courses/${c.course}/lessons/${c.lesson}/`;
          const url = `${folder}${encodeUrlPath(c.segments.join("/"))}${c.appQuery ? `?${c.appQuery}` : ""}`;
          // Everything our encoders build is signable, and a browser sends it as is.
          assertSignableUrl(url);
          expect(new URL(url).href).toBe(url);
          const expiresAt = c.now + c.ttl;

          const canned = s.signUrl(url, { expiresAt });
          expect(new URL(canned).href).toBe(canned);
          expect(canned.startsWith(`${url}${c.appQuery ? "&" : "?"}Expires=`)).toBe(true);
          expect(edge(canned, c.now)).toEqual({ ok: true, via: "url", originUrl: url, keyId: c.keyId, policy: "canned" });
          expect(edge(canned, expiresAt - 1).ok).toBe(true);
          expect(edge(canned, expiresAt)).toMatchObject({ ok: false, reason: "expired" });

          const opts = { resource: `${folder}*`, expiresAt, notBefore: c.startedAgo === undefined ? undefined : c.now - c.startedAgo, ipAddress: c.ip };
          const custom = s.signUrlWithPolicy(url, opts);
          expect(new URL(custom).href).toBe(custom);
          expect(edge(custom, c.now)).toEqual({ ok: true, via: "url", originUrl: url, keyId: c.keyId, policy: "custom" });
          expect(edge(`${url}${c.appQuery ? "&" : "?"}${s.policyQuery(opts)}`, c.now)).toMatchObject({ ok: true, originUrl: url });
          const cookies = s.signedCookies(opts);
          expect(edge(url, c.now, cookies)).toEqual({ ok: true, via: "cookie", originUrl: url, keyId: c.keyId, policy: "custom" });
          // Just outside: expiry, start, IP, the folder next door.
          expect(edge(url, expiresAt, cookies)).toMatchObject({ ok: false, reason: "expired" });
          if (opts.notBefore !== undefined) expect(edge(url, opts.notBefore, cookies)).toMatchObject({ ok: false, reason: "not-yet-valid" });
          if (c.ip !== undefined && c.ip !== "0.0.0.0/0") expect(edge(url, c.now, cookies, "203.0.113.9")).toMatchObject({ ok: false, reason: "ip-mismatch" });
          const nextDoor = url.replace(`/lessons/${c.lesson}/`, `/lessons/${c.lesson}x/`);
          expect(edge(nextDoor, c.now, cookies)).toMatchObject({ ok: false, reason: "resource-mismatch" });
        },
      ),
      fcParams(ROUND_TRIPS),
    );
  });

  // Hosts, ports, paths and queries a browser would rewrite (or reject) mixed with ones it keeps.
  // Hosts, ports, paths and queries a browser would rewrite (or reject) mixed with ones it keeps;
  // weighted so that a fair share of the candidates pass assertSignableUrl.
  const schemeArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("https", "http") }, fc.constantFrom("HTTPS", "Http", "ftp", "ws", "file", ""));
  const hostArb = fc.oneof(
    { weight: 6, arbitrary: fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,20}[a-z0-9])?$/) },
    { weight: 3, arbitrary: fc.constantFrom(
      "media.example.com", "localhost", "1", "127.1", "0x7f.0.0.1", "010.0.0.1", "1.2.3.4", "255.255.255.255", "256.1.1.1", "1.2.3.4.5", "0",
      "4294967295", "4294967296", "a.1", "a.0x1", "a.09", "1.a", "xn--zz", "xn--bcher-kva.example", "a..b", "-a", "a-", "example.com.",
      "EXAMPLE.com", "ex ample.com", "a_b.com", "%41.com", "[::1]", "[0:0::1]", "[::ffff:1.2.3.4]", "[1:2]", "[::1", "[::]", "[fe80::1%25eth0]",
    ) },
    fc.string({ unit: fc.constantFrom(..."ab019.-x:[]_%"), minLength: 1, maxLength: 12 }),
  );
  const portArb = fc.option(fc.constantFrom("80", "443", "8080", "0", "1", "65535", "65536", "99999", "080", ""), { nil: undefined, freq: 6 });
  const pieceArb = fc.oneof(
    { weight: 60, arbitrary: fc.constantFrom("a", "Z", "0", "-", "_", "~", "!", "$", "&", "(", ")", "*", "+", ",", ";", "=", ":", "@", "%41", "%2F", "%20", "%C3%A9", "seg", "v1") },
    fc.constantFrom(
      ".", "..", "%2e", "%2E", "%2e%2e", ".%2e", "%", "%4", "%zz", "'", "[", "]", "|", "\\", "^", "`", "{", "}", "<", ">", '"', "#", "?", " ", "\t",
      "é", "\u0000", "\u007f", "/",
    ),
    fc.string({ unit: "grapheme-ascii", maxLength: 3 }),
  );
  const pathArb = fc.array(fc.array(pieceArb, { minLength: 1, maxLength: 4 }).map((p) => p.join("")), { maxLength: 4 }).map((segs) => `/${segs.join("/")}`);
  const queryArb = fc.option(fc.array(fc.array(pieceArb, { minLength: 1, maxLength: 4 }).map((p) => p.join("")), { minLength: 1, maxLength: 3 }).map((ps) => `?${ps.join("&")}`), { nil: undefined, freq: 2 });

  it(`browser stability: of ${fmt(URL_CANDIDATES)} URL-like strings, every one the signer accepts is unchanged by new URL().href`, () => {
    const s = signerFor("trusted", "KEC1", "SHA1");
    fc.assert(
      fc.property(schemeArb, hostArb, portArb, fc.oneof({ weight: 9, arbitrary: pathArb }, fc.constant("")), queryArb, (scheme, host, port, path, q) => {
        counts.urls++;
        const url = `${scheme}://${host}${port === undefined ? "" : `:${port}`}${path}${q ?? ""}`;
        let accepted = true;
        try {
          assertSignableUrl(url);
        } catch {
          accepted = false;
        }
        // signUrl accepts exactly what assertSignableUrl accepts.
        let signed: string | undefined;
        try {
          signed = s.signUrl(url, { expiresAt: 2_000_000_000 });
        } catch {
          signed = undefined;
        }
        expect(signed !== undefined, `signUrl and assertSignableUrl disagree on ${url}`).toBe(accepted);
        if (!accepted) {
          counts.refused++;
          return;
        }
        counts.accepted++;
        let href: string;
        try {
          href = new URL(url).href;
        } catch {
          throw new Error(`assertSignableUrl accepted ${JSON.stringify(url)}, which a browser cannot parse`);
        }
        expect(href, `assertSignableUrl accepted ${JSON.stringify(url)}, which a browser sends as ${JSON.stringify(href)}`).toBe(url);
      }),
      fcParams(URL_CANDIDATES),
    );
  });
});
