import crypto, { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cfBase64Encode } from "@/lib/cloudfront/base64";
import { cannedPolicy, customPolicy } from "@/lib/cloudfront/policy";
import {
  EDGE_ERROR_MESSAGES,
  SignatureCache,
  errorXml,
  stripSigningParams,
  verifyRequest,
  type EdgeDecision,
  type EdgeRequest,
  type TrustedKeys,
} from "@/lib/cloudfront/verify";

// Keys generated per run; nothing is stored in the repository.
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const rsaOther = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const trustedKeys: TrustedKeys = new Map([
  ["KRSA", rsa.publicKey],
  ["KEC", ec.publicKey],
]);

const NOW = 1_800_000_000;
const EXP = NOW + 600;
const BASE = "https://media.example.com/courses/c1/lessons/l1";

type Hash = "SHA1" | "SHA256";
/** Signature computed independently of the code under test. */
function sig(policy: string | Buffer, key: KeyObject, hash: Hash = "SHA1"): string {
  return cfBase64Encode(crypto.sign(hash === "SHA256" ? "sha256" : "sha1", Buffer.from(policy), key));
}
function cannedUrl(url: string, exp = EXP, keyId = "KRSA", key = rsa.privateKey, hash: Hash = "SHA1"): string {
  const h = hash === "SHA256" ? "&Hash-Algorithm=SHA256" : "";
  return `${url}${url.includes("?") ? "&" : "?"}Expires=${exp}&Signature=${sig(cannedPolicy(url, exp), key, hash)}&Key-Pair-Id=${keyId}${h}`;
}
function customUrl(url: string, policy: string, keyId = "KRSA", key = rsa.privateKey, hash: Hash = "SHA1"): string {
  const h = hash === "SHA256" ? "&Hash-Algorithm=SHA256" : "";
  return `${url}${url.includes("?") ? "&" : "?"}Policy=${cfBase64Encode(policy)}&Signature=${sig(policy, key, hash)}&Key-Pair-Id=${keyId}${h}`;
}
function customCookies(policy: string, keyId = "KRSA", key = rsa.privateKey, hash: Hash = "SHA1"): Record<string, string> {
  const c: Record<string, string> = {
    "CloudFront-Policy": cfBase64Encode(policy),
    "CloudFront-Signature": sig(policy, key, hash),
    "CloudFront-Key-Pair-Id": keyId,
  };
  if (hash === "SHA256") c["CloudFront-Hash-Algorithm"] = "SHA256";
  return c;
}
function req(url: string, over: Partial<EdgeRequest> = {}): EdgeRequest {
  return { url, cookies: {}, sourceIp: "198.51.100.7", now: NOW, ...over };
}
function check(r: EdgeRequest, opts: { trustedKeys?: TrustedKeys; cache?: SignatureCache } = {}): EdgeDecision {
  return verifyRequest(r, { trustedKeys: opts.trustedKeys ?? trustedKeys, cache: opts.cache });
}
function expectDenied(d: EdgeDecision, code: string, reason?: string): void {
  expect(d.ok).toBe(false);
  if (d.ok) return;
  expect(d.status).toBe(403);
  expect(d.code).toBe(code);
  expect(d.message).toBe(EDGE_ERROR_MESSAGES[d.code]);
  if (reason) expect(d.reason).toBe(reason);
}

describe("error texts", () => {
  it("match the facts table exactly", () => {
    expect(EDGE_ERROR_MESSAGES).toEqual({
      MissingKey: "Missing Key-Pair-Id query parameter or cookie value",
      InvalidKey: "Unknown Key",
      MalformedSignature: "Could not unencode Signature",
      MalformedPolicy: "Malformed Policy",
      AccessDenied: "Access denied",
    });
  });

  it("errorXml renders CloudFront's XML body", () => {
    expect(errorXml("AccessDenied", "Access denied")).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>',
    );
    expect(errorXml("MalformedPolicy", "a<b&c")).toContain("<Message>a&lt;b&amp;c</Message>");
  });
});

describe("successful verification", () => {
  it("canned URL, RSA SHA1", () => {
    const url = `${BASE}/v.mp4`;
    expect(check(req(cannedUrl(url)))).toEqual({ ok: true, via: "url", policy: "canned", originUrl: url, keyId: "KRSA" });
  });

  it("canned URL, ECDSA P-256 SHA256", () => {
    const url = `${BASE}/v.mp4?x=1`;
    expect(check(req(cannedUrl(url, EXP, "KEC", ec.privateKey, "SHA256")))).toEqual({
      ok: true,
      via: "url",
      policy: "canned",
      originUrl: url,
      keyId: "KEC",
    });
  });

  it("custom URL and cookies, RSA SHA256 and ECDSA SHA1", () => {
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    expect(check(req(customUrl(`${BASE}/a.ts`, policy, "KRSA", rsa.privateKey, "SHA256"))).ok).toBe(true);
    expect(check(req(`${BASE}/a.ts`, { cookies: customCookies(policy, "KEC", ec.privateKey) }))).toEqual({
      ok: true,
      via: "cookie",
      policy: "custom",
      originUrl: `${BASE}/a.ts`,
      keyId: "KEC",
    });
  });

  it("the decision says which policy granted: canned (the exact URL was signed) or custom", () => {
    const exact = `${BASE}/a.ts?response-content-disposition=attachment`;
    expect(check(req(cannedUrl(exact)))).toMatchObject({ ok: true, via: "url", policy: "canned" });
    // A custom policy is "custom" even when its Resource is the exact URL (no wildcard).
    expect(check(req(customUrl(exact, customPolicy({ resource: exact, dateLessThan: EXP }))))).toMatchObject({ ok: true, via: "url", policy: "custom" });
    const wildcard = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    expect(check(req(customUrl(exact, wildcard)))).toMatchObject({ ok: true, via: "url", policy: "custom" });
    expect(check(req(exact, { cookies: customCookies(wildcard) }))).toMatchObject({ ok: true, via: "cookie", policy: "custom" });
  });

  it("canned cookies (CloudFront-Expires) grant exactly the request URL", () => {
    const url = `${BASE}/a.ts`;
    const cookies = { "CloudFront-Expires": String(EXP), "CloudFront-Signature": sig(cannedPolicy(url, EXP), rsa.privateKey), "CloudFront-Key-Pair-Id": "KRSA" };
    expect(check(req(url, { cookies })).ok).toBe(true);
    expectDenied(check(req(`${BASE}/b.ts`, { cookies })), "AccessDenied", "signature-mismatch");
  });

  it("a policy without Resource grants every file behind the key (as CloudFront does)", () => {
    const policy = `{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":${EXP}}}}]}`;
    expect(check(req("https://media.example.com/anything/else.mp4", { cookies: customCookies(policy) })).ok).toBe(true);
  });

  it("percent-decodes signing parameter values in the query", () => {
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    const pct = (v: string) => [...v].map((c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")).join("");
    const url = customUrl(`${BASE}/a.ts`, policy).replace(/(Signature|Key-Pair-Id)=([^&]*)/g, (_m, n: string, v: string) => `${n}=${pct(v)}`);
    expect(url).toContain("Key-Pair-Id=%4B%52%53%41");
    expect(check(req(url)).ok).toBe(true);
  });
});

describe("failure rows of the facts table", () => {
  const url = `${BASE}/v.mp4`;

  it("MissingKey: unsigned request, signing params without Key-Pair-Id, cookies without it", () => {
    expectDenied(check(req(url)), "MissingKey");
    expectDenied(check(req(cannedUrl(url).replace(/&Key-Pair-Id=KRSA/, ""))), "MissingKey");
    expectDenied(check(req(`${url}?Hash-Algorithm=SHA256`)), "MissingKey");
    expectDenied(check(req(`${url}?Key-Pair-Id=`)), "MissingKey");
    const cookies = customCookies(customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP }));
    delete cookies["CloudFront-Key-Pair-Id"];
    expectDenied(check(req(url, { cookies })), "MissingKey");
    // cookie names are case-sensitive
    expectDenied(check(req(url, { cookies: { "cloudfront-key-pair-id": "KRSA" } })), "MissingKey");
  });

  it("InvalidKey: key id not trusted", () => {
    expectDenied(check(req(cannedUrl(url, EXP, "KNOPE"))), "InvalidKey", "unknown-key");
    expectDenied(check(req(cannedUrl(url, EXP, "krsa"))), "InvalidKey"); // ids are case-sensitive
  });

  it("MalformedSignature: not CloudFront base64, empty, missing, unknown Hash-Algorithm", () => {
    const signed = cannedUrl(url);
    const raw = crypto.sign("sha1", Buffer.from(cannedPolicy(url, EXP)), rsa.privateKey).toString("base64");
    expectDenied(check(req(signed.replace(/Signature=[^&]*/, `Signature=${encodeURIComponent(raw)}`))), "MalformedSignature", "bad-signature-encoding");
    expectDenied(check(req(signed.replace(/Signature=[^&]*/, "Signature=abc"))), "MalformedSignature", "bad-signature-encoding");
    expectDenied(check(req(signed.replace(/Signature=[^&]*/, "Signature="))), "MalformedSignature", "missing-signature");
    expectDenied(check(req(signed.replace(/&Signature=[^&]*/, ""))), "MalformedSignature", "missing-signature");
    for (const alg of ["SHA1", "sha256", "SHA512", ""]) {
      expectDenied(check(req(`${signed}&Hash-Algorithm=${alg}`)), "MalformedSignature", "bad-hash-algorithm");
    }
  });

  it("MalformedPolicy: Expires and Policy together, neither, bad Expires, undecodable or invalid Policy, duplicates", () => {
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    const both = `${cannedUrl(url)}&Policy=${cfBase64Encode(policy)}`;
    expectDenied(check(req(both)), "MalformedPolicy", "expires-and-policy");
    expectDenied(check(req(cannedUrl(url).replace(/Expires=[^&]*&/, ""))), "MalformedPolicy", "no-expires-or-policy");
    for (const e of ["abc", "1.5", "-1", "0123", "", "2147483648", "1e9"]) {
      expectDenied(check(req(cannedUrl(url).replace(/Expires=[^&]*/, `Expires=${e}`))), "MalformedPolicy", "bad-expires");
    }
    const custom = customUrl(`${BASE}/a.ts`, policy);
    expectDenied(check(req(custom.replace(/Policy=[^&]*/, "Policy=not+base64"))), "MalformedPolicy", "bad-policy-encoding");
    const invalidUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    expectDenied(check(req(custom.replace(/Policy=[^&]*/, `Policy=${cfBase64Encode(invalidUtf8)}`))), "MalformedPolicy", "bad-policy-encoding");
    const twoStatements = `{"Statement":[{"Resource":"${BASE}/*","Condition":{"DateLessThan":{"AWS:EpochTime":${EXP}}}},{"Resource":"*","Condition":{"DateLessThan":{"AWS:EpochTime":${EXP}}}}]}`;
    expectDenied(check(req(customUrl(`${BASE}/a.ts`, twoStatements))), "MalformedPolicy", "bad-policy");
    const escaped = policy.replace("/courses", "\\/courses");
    expectDenied(check(req(customUrl(`${BASE}/a.ts`, escaped))), "MalformedPolicy", "bad-policy");
    expectDenied(check(req(`${custom}&Signature=abcd`)), "MalformedPolicy", "duplicate-parameter");
    expectDenied(check(req(`${custom}&Policy=${cfBase64Encode(policy)}`)), "MalformedPolicy", "duplicate-parameter");
  });

  it("AccessDenied: bad signature (other key, other policy, wrong hash algorithm, P1363 ECDSA)", () => {
    expectDenied(check(req(cannedUrl(url, EXP, "KRSA", rsaOther.privateKey))), "AccessDenied", "signature-mismatch");
    const otherSig = sig(cannedPolicy(url, EXP + 1), rsa.privateKey);
    expectDenied(check(req(cannedUrl(url).replace(/Signature=[^&]*/, `Signature=${otherSig}`))), "AccessDenied", "signature-mismatch");
    // SHA256 signature presented without Hash-Algorithm (=> SHA1), and the reverse
    expectDenied(check(req(cannedUrl(url, EXP, "KRSA", rsa.privateKey, "SHA256").replace("&Hash-Algorithm=SHA256", ""))), "AccessDenied", "signature-mismatch");
    expectDenied(check(req(`${cannedUrl(url)}&Hash-Algorithm=SHA256`)), "AccessDenied", "signature-mismatch");
    // ECDSA must be DER, not IEEE P1363 (r||s)
    const p1363 = crypto.sign("sha1", Buffer.from(cannedPolicy(url, EXP)), { key: ec.privateKey, dsaEncoding: "ieee-p1363" });
    const ecUrl = cannedUrl(url, EXP, "KEC", ec.privateKey).replace(/Signature=[^&]*/, `Signature=${cfBase64Encode(p1363)}`);
    expectDenied(check(req(ecUrl)), "AccessDenied", "signature-mismatch");
    // an RSA signature presented under the EC key id
    expectDenied(check(req(cannedUrl(url, EXP, "KEC", rsa.privateKey))), "AccessDenied", "signature-mismatch");
  });

  it("AccessDenied: expiry boundary (now >= DateLessThan denied)", () => {
    const signed = cannedUrl(url, EXP);
    expect(check(req(signed, { now: EXP - 1 })).ok).toBe(true);
    expectDenied(check(req(signed, { now: EXP })), "AccessDenied", "expired");
    expectDenied(check(req(signed, { now: EXP + 1 })), "AccessDenied", "expired");
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    expect(check(req(url, { cookies: customCookies(policy), now: EXP - 1 })).ok).toBe(true);
    expectDenied(check(req(url, { cookies: customCookies(policy), now: EXP })), "AccessDenied", "expired");
  });

  it("AccessDenied: DateGreaterThan boundary (now <= DateGreaterThan denied)", () => {
    const start = NOW + 100;
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP, dateGreaterThan: start });
    const signed = customUrl(url, policy);
    expectDenied(check(req(signed, { now: start - 1 })), "AccessDenied", "not-yet-valid");
    expectDenied(check(req(signed, { now: start })), "AccessDenied", "not-yet-valid");
    expect(check(req(signed, { now: start + 1 })).ok).toBe(true);
  });

  it("AccessDenied: resource mismatch", () => {
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP });
    expectDenied(check(req(customUrl("https://media.example.com/courses/c2/v.mp4", policy))), "AccessDenied", "resource-mismatch");
    expectDenied(check(req(customUrl(`${BASE.replace("https", "http")}/v.mp4`, policy))), "AccessDenied", "resource-mismatch");
    expectDenied(check(req("https://other.example.com/courses/c1/lessons/l1/v.mp4", { cookies: customCookies(policy) })), "AccessDenied", "resource-mismatch");
  });

  it("AccessDenied: IP mismatch (and IPv6 viewers never match an IPv4 condition)", () => {
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP, ipAddress: "198.51.100.0/24" });
    const signed = customUrl(url, policy);
    expect(check(req(signed, { sourceIp: "198.51.100.200" })).ok).toBe(true);
    expect(check(req(signed, { sourceIp: "::ffff:198.51.100.200" })).ok).toBe(true);
    expectDenied(check(req(signed, { sourceIp: "198.51.101.1" })), "AccessDenied", "ip-mismatch");
    expectDenied(check(req(signed, { sourceIp: "2001:db8::1" })), "AccessDenied", "ip-mismatch");
  });

  it("AccessDenied: URL longer than 8,192 bytes", () => {
    const long = `${BASE}/${"a".repeat(8192)}.mp4`;
    expectDenied(check(req(cannedUrl(long))), "AccessDenied", "url-too-long");
    // at the limit it is judged normally
    const prefix = `${BASE}/x.mp4?pad=`;
    const probe = cannedUrl(`${prefix}`);
    const pad = "p".repeat(8192 - probe.length);
    const atLimit = cannedUrl(`${prefix}${pad}`);
    expect(Buffer.byteLength(atLimit)).toBe(8192);
    expect(check(req(atLimit)).ok).toBe(true);
  });

  it("AccessDenied: a broken clock (NaN, ±Infinity) denies even a valid URL (found by the forgery fuzz)", () => {
    const signed = cannedUrl(url);
    expect(check(req(signed)).ok).toBe(true);
    for (const now of [Number.NaN, Infinity, -Infinity]) {
      expectDenied(check(req(signed, { now })), "AccessDenied", "bad-clock");
      expectDenied(check(req(url, { now, cookies: customCookies(customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP })) })), "AccessDenied", "bad-clock");
    }
  });

  it("AccessDenied: a non-absolute URL", () => {
    expectDenied(check(req("/courses/c1/v.mp4?Expires=1")), "AccessDenied", "bad-url");
  });
});

describe("canned URL integrity", () => {
  const url = `${BASE}/v.mp4?response-content-disposition=attachment`;

  it("a query parameter added after signing => AccessDenied", () => {
    const signed = cannedUrl(url);
    expect(check(req(signed)).ok).toBe(true);
    expectDenied(check(req(`${signed}&extra=1`)), "AccessDenied", "signature-mismatch");
    expectDenied(check(req(signed.replace("?response", "?x=1&response"))), "AccessDenied", "signature-mismatch");
  });

  it("changing the path or a parameter value => AccessDenied", () => {
    const signed = cannedUrl(url);
    expectDenied(check(req(signed.replace("v.mp4", "w.mp4"))), "AccessDenied");
    expectDenied(check(req(signed.replace("attachment", "inline"))), "AccessDenied");
    expectDenied(check(req(signed.replace("https://", "http://"))), "AccessDenied");
  });

  it("the signing parameters may appear anywhere in the query (found by name)", () => {
    const signed = cannedUrl(`${BASE}/v.mp4?a=1&b=2`);
    const q = new URL(signed).search.slice(1).split("&");
    const reordered = `${BASE}/v.mp4?${[q[2], q[0], q[3], q[1], q[4]].join("&")}`;
    expect(check(req(reordered))).toMatchObject({ ok: true, originUrl: `${BASE}/v.mp4?a=1&b=2` });
  });
});

describe("signed URLs take precedence over cookies", () => {
  const url = `${BASE}/v.mp4`;
  const goodCookies = customCookies(customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP }));

  it("valid cookies do not rescue a bad signed URL", () => {
    expect(check(req(url, { cookies: goodCookies })).ok).toBe(true);
    expectDenied(check(req(`${url}?Expires=${EXP}`, { cookies: goodCookies })), "MissingKey");
    expectDenied(check(req(cannedUrl(url, EXP - 1000 * 1000), { cookies: goodCookies })), "AccessDenied", "expired");
  });

  it("a valid signed URL wins over garbage cookies", () => {
    const decision = check(req(cannedUrl(url), { cookies: { "CloudFront-Key-Pair-Id": "KNOPE", "CloudFront-Signature": "!!" } }));
    expect(decision).toMatchObject({ ok: true, via: "url" });
  });

  it("cookies still apply when the query has only app parameters", () => {
    expect(check(req(`${url}?v=2`, { cookies: goodCookies }))).toMatchObject({ ok: true, via: "cookie", originUrl: `${url}?v=2` });
  });

  it("cookie values are taken raw (not percent-decoded)", () => {
    const signature = goodCookies["CloudFront-Signature"];
    const encodedFirst = "%" + signature.charCodeAt(0).toString(16).toUpperCase() + signature.slice(1);
    expectDenied(check(req(url, { cookies: { ...goodCookies, "CloudFront-Signature": encodedFirst } })), "MalformedSignature");
    expectDenied(check(req(url, { cookies: { ...goodCookies, "CloudFront-Key-Pair-Id": "%4BRSA" } })), "InvalidKey");
  });
});

describe("stripSigningParams", () => {
  it("removes exactly the five signing parameters, keeping the rest in order", () => {
    expect(stripSigningParams("https://h/p?a=1&Expires=2&b=3&Signature=x&Key-Pair-Id=K&c&Hash-Algorithm=SHA256&Policy=p")).toBe("https://h/p?a=1&b=3&c");
    expect(stripSigningParams("https://h/p?Expires=2&Signature=x&Key-Pair-Id=K")).toBe("https://h/p");
    expect(stripSigningParams("https://h/p?expires=2&signature=x")).toBe("https://h/p?expires=2&signature=x");
    expect(stripSigningParams("https://h/p")).toBe("https://h/p");
    expect(stripSigningParams("https://h/p?a=%20&Expires=1")).toBe("https://h/p?a=%20");
  });

  it("originUrl of a successful decision has them stripped", () => {
    const d = check(req(cannedUrl(`${BASE}/v.mp4?x=1&y=2`, EXP, "KEC", ec.privateKey, "SHA256")));
    expect(d).toMatchObject({ ok: true, originUrl: `${BASE}/v.mp4?x=1&y=2` });
  });
});

describe("SignatureCache", () => {
  it("caches the crypto result but still checks time, resource and IP on every request", () => {
    const cache = new SignatureCache(10);
    const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP, ipAddress: "198.51.100.0/24" });
    const cookies = customCookies(policy);
    expect(check(req(`${BASE}/a.ts`, { cookies }), { cache }).ok).toBe(true);
    expect(cache.misses).toBe(1);
    expect(check(req(`${BASE}/b.ts`, { cookies }), { cache }).ok).toBe(true);
    expect(cache.hits).toBe(1);
    expectDenied(check(req(`${BASE}/a.ts`, { cookies, now: EXP }), { cache }), "AccessDenied", "expired");
    expectDenied(check(req(`${BASE}/a.ts`, { cookies, sourceIp: "10.0.0.1" }), { cache }), "AccessDenied", "ip-mismatch");
    expectDenied(check(req(`https://media.example.com/x/a.ts`, { cookies }), { cache }), "AccessDenied", "resource-mismatch");
    expect(cache.size).toBe(1);
  });

  it("caches failures too, and a different key under the same id is a different entry", () => {
    const cache = new SignatureCache(10);
    const url = cannedUrl(`${BASE}/v.mp4`);
    expect(check(req(url), { cache }).ok).toBe(true);
    // Same id now bound to another key: the cached success must not carry over.
    const swapped: TrustedKeys = new Map([["KRSA", rsaOther.publicKey]]);
    expectDenied(check(req(url), { cache, trustedKeys: swapped }), "AccessDenied", "signature-mismatch");
    expectDenied(check(req(url), { cache, trustedKeys: swapped }), "AccessDenied", "signature-mismatch");
    expect(cache.size).toBe(2);
    expect(cache.hits).toBe(1);
  });

  it("is a bounded LRU", () => {
    const cache = new SignatureCache(2);
    cache.set("a", true);
    cache.set("b", true);
    expect(cache.get("a")).toBe(true); // a is now most recent
    cache.set("c", false);
    expect(cache.size).toBe(2);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(true);
    expect(cache.get("c")).toBe(false);
    expect(() => new SignatureCache(0)).toThrow();
  });
});
