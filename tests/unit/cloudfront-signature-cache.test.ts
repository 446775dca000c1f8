/**
 * The verified-policy tier of the edge's SignatureCache (ADR 054): a repeat viewer skips
 * decoding, parsing and the digest, but never the per-request checks, and nothing but a
 * verified signature under the very same key ever answers from it.
 */
import crypto, { generateKeyPairSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import { cfBase64Encode } from "@/lib/cloudfront/base64";
import { cannedPolicy, customPolicy } from "@/lib/cloudfront/policy";
import { SignatureCache, VERIFIED_MAX_CHARS } from "@/lib/cloudfront/signature-cache";
import { verifyRequest, type EdgeDecision, type EdgeRequest, type TrustedKeys } from "@/lib/cloudfront/verify";

const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const ecOther = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const trustedKeys: TrustedKeys = new Map([["KEC", ec.publicKey]]);
const NOW = 1_800_000_000;
const EXP = NOW + 600;
const BASE = "https://media.example.com/courses/c1/lessons/l1";

function sig(policy: string, key: KeyObject = ec.privateKey): string {
  return cfBase64Encode(crypto.sign("sha1", Buffer.from(policy), key));
}
function cookiesFor(policy: string, key: KeyObject = ec.privateKey): Record<string, string> {
  return { "CloudFront-Policy": cfBase64Encode(policy), "CloudFront-Signature": sig(policy, key), "CloudFront-Key-Pair-Id": "KEC" };
}
function req(url: string, over: Partial<EdgeRequest> = {}): EdgeRequest {
  return { url, cookies: {}, sourceIp: "198.51.100.7", now: NOW, ...over };
}
function decide(r: EdgeRequest, cache?: SignatureCache, keys: TrustedKeys = trustedKeys): EdgeDecision {
  return verifyRequest(r, { trustedKeys: keys, cache });
}
function reason(d: EdgeDecision): string {
  return d.ok ? "ok" : d.reason;
}

describe("SignatureCache, verified-policy tier", () => {
  const policy = customPolicy({ resource: `${BASE}/*`, dateLessThan: EXP, dateGreaterThan: NOW - 60, ipAddress: "198.51.100.0/24" });
  const cookies = cookiesFor(policy);

  it("answers repeat cookies without the digest tier, and still checks time, window, resource and IP", () => {
    const cache = new SignatureCache(10);
    expect(decide(req(`${BASE}/a.ts`, { cookies }), cache).ok).toBe(true);
    expect(cache.verifiedSize).toBe(1);
    const misses = cache.misses;
    expect(decide(req(`${BASE}/b.ts`, { cookies }), cache).ok).toBe(true);
    expect(cache.misses).toBe(misses); // the digest tier was not consulted
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies, now: EXP }), cache))).toBe("expired");
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies, now: NOW - 60 }), cache))).toBe("not-yet-valid");
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies, sourceIp: "10.0.0.1" }), cache))).toBe("ip-mismatch");
    expect(reason(decide(req("https://media.example.com/courses/c2/a.ts", { cookies }), cache))).toBe("resource-mismatch");
    expect(cache.verifiedSize).toBe(1);
  });

  it("keeps only successes: a bad signature or a tampered policy never enters it", () => {
    const cache = new SignatureCache(10);
    const forged = { ...cookies, "CloudFront-Signature": sig(policy, ecOther.privateKey) };
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies: forged }), cache))).toBe("signature-mismatch");
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies: forged }), cache))).toBe("signature-mismatch");
    const wider = { ...cookies, "CloudFront-Policy": cfBase64Encode(customPolicy({ resource: "https://media.example.com/*", dateLessThan: EXP })) };
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies: wider }), cache))).toBe("signature-mismatch");
    expect(cache.verifiedSize).toBe(0);
    // A verified entry does not vouch for the same signature with another policy.
    expect(decide(req(`${BASE}/a.ts`, { cookies }), cache).ok).toBe(true);
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies: wider }), cache))).toBe("signature-mismatch");
  });

  it("is bound to the key object: another key under the same id, or the id removed, never reuses it", () => {
    const cache = new SignatureCache(10);
    expect(decide(req(`${BASE}/a.ts`, { cookies }), cache).ok).toBe(true);
    const swapped: TrustedKeys = new Map([["KEC", ecOther.publicKey]]);
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies }), cache, swapped))).toBe("signature-mismatch");
    expect(reason(decide(req(`${BASE}/a.ts`, { cookies }), cache, new Map()))).toBe("unknown-key");
    expect(decide(req(`${BASE}/a.ts`, { cookies }), cache).ok).toBe(true);
  });

  it("a canned signature answers for its own URL and Expires only", () => {
    const cache = new SignatureCache(10);
    const url = `${BASE}/v.mp4`;
    const signature = sig(cannedPolicy(url, EXP));
    const signed = (u: string, exp = EXP) => `${u}?Expires=${exp}&Signature=${signature}&Key-Pair-Id=KEC`;
    expect(decide(req(signed(url)), cache).ok).toBe(true);
    expect(decide(req(signed(url)), cache).ok).toBe(true);
    expect(cache.verifiedSize).toBe(1);
    expect(reason(decide(req(signed(`${BASE}/w.mp4`)), cache))).toBe("signature-mismatch");
    expect(reason(decide(req(signed(url, EXP + 1)), cache))).toBe("signature-mismatch");
    expect(reason(decide(req(`${signed(url)}&Expires=${EXP}`), cache))).toBe("duplicate-parameter");
    expect(reason(decide(req(signed(url), { now: EXP }), cache))).toBe("expired");
  });

  it("decides exactly as without a cache", () => {
    const cache = new SignatureCache(10);
    const cases = [
      req(`${BASE}/a.ts`, { cookies }),
      req(`${BASE}/a.ts`, { cookies: { ...cookies, "CloudFront-Expires": String(EXP) } }),
      req(`${BASE}/a.ts`, { cookies: { ...cookies, "CloudFront-Hash-Algorithm": "SHA256" } }),
      req(`${BASE}/a.ts`, { cookies: { ...cookies, "CloudFront-Signature": "!!" } }),
      req(`${BASE}/a.ts`, { cookies, now: Number.NaN }),
    ];
    for (let round = 0; round < 2; round++) for (const c of cases) expect(decide(c, cache)).toEqual(decide(c));
  });

  it("is bounded in entries and in characters", () => {
    const cache = new SignatureCache(2);
    cache.setVerified("a", ec.publicKey, { dateLessThan: EXP });
    cache.setVerified("b", ec.publicKey, { dateLessThan: EXP });
    expect(cache.getVerified("a", ec.publicKey)).toBeDefined(); // a is now most recent
    cache.setVerified("c", ec.publicKey, { dateLessThan: EXP });
    expect(cache.verifiedSize).toBe(2);
    expect(cache.getVerified("b", ec.publicKey)).toBeUndefined();
    expect(cache.getVerified("a", ecOther.publicKey)).toBeUndefined();

    const big = new SignatureCache(1_000_000);
    const id = (i: number) => `${i}:`.padEnd(VERIFIED_MAX_CHARS / 64, "x");
    for (let i = 0; i < 100; i++) big.setVerified(id(i), ec.publicKey, { dateLessThan: EXP });
    expect(big.verifiedSize).toBe(64);
    big.setVerified("y".repeat(VERIFIED_MAX_CHARS / 64 + 1), ec.publicKey, { dateLessThan: EXP });
    expect(big.verifiedSize).toBe(64);
    big.clear();
    expect(big.verifiedSize).toBe(0);
  });
});
