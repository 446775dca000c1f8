import { generateKeyPairSync } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createKeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "@/lib/cloudfront/signer";
import { SigningCache } from "@/lib/cloudfront/signing-cache";
import { verifyRequest } from "@/lib/cloudfront/verify";

// Every signature the signer makes goes through node:crypto's sign: count the calls.
const signCalls = vi.hoisted(() => ({ n: 0 }));
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  const sign: typeof actual.sign = ((...args: Parameters<typeof actual.sign>) => {
    signCalls.n++;
    return (actual.sign as (...a: unknown[]) => unknown)(...args);
  }) as typeof actual.sign;
  return { ...actual, default: { ...actual, sign }, sign };
});

const pem = (kind: "ec" | "rsa") =>
  (kind === "ec" ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : generateKeyPairSync("rsa", { modulusLength: 2048 })).privateKey
    .export({ type: "pkcs8", format: "pem" })
    .toString();
const PEMS = { ec: pem("ec"), rsa: pem("rsa"), ec2: pem("ec") };

function signerWith(cache: SigningCache, id: string, privateKeyPem: string, hashAlgorithm: "SHA1" | "SHA256" = "SHA1"): CloudFrontSigner {
  return createCloudFrontSigner({ keyRing: createKeyRing({ activeKeyId: id, keys: [{ id, privateKeyPem }] }), hashAlgorithm, cache });
}

const NOW = 1_800_000_000;
const EXP = NOW + 3600;
const COVER = "https://media.example.com/courses/c1/cover/a1.jpg";
const FOLDER = "https://media.example.com/courses/c1/lessons/l1/*";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW * 1000);
  signCalls.n = 0;
});
afterEach(() => vi.useRealTimers());

describe.each(["ec", "rsa"] as const)("signature cache (%s)", (kind) => {
  it("a second identical request signs nothing and gives the same, valid URL", () => {
    const cache = new SigningCache(100);
    const signer = signerWith(cache, "KONE", PEMS[kind]);
    const first = signer.signUrl(COVER, { expiresAt: EXP });
    expect(signCalls.n).toBe(1);
    const second = signer.signUrl(COVER, { expiresAt: EXP });
    expect(signCalls.n).toBe(1);
    expect(second).toBe(first);
    const keys = createKeyRing({ activeKeyId: "KONE", keys: [{ id: "KONE", privateKeyPem: PEMS[kind] }] }).publicKeys();
    expect(verifyRequest({ url: second, cookies: {}, sourceIp: "127.0.0.1", now: NOW }, { trustedKeys: keys }).ok).toBe(true);
    expect(cache.stats()).toEqual({ entries: 1, maxEntries: 100, hits: 1, misses: 1, hitRatio: 0.5 });
  });

  it("a folder policy query is signed once for all the lesson's objects", () => {
    const cache = new SigningCache(100);
    const signer = signerWith(cache, "KONE", PEMS[kind]);
    const queries = Array.from({ length: 5 }, () => signer.policyQuery({ resource: FOLDER, expiresAt: EXP }));
    expect(new Set(queries).size).toBe(1);
    expect(signCalls.n).toBe(1);
  });

  it("another expiry window, URL or hash algorithm misses", () => {
    const cache = new SigningCache(100);
    const signer = signerWith(cache, "KONE", PEMS[kind]);
    signer.signUrl(COVER, { expiresAt: EXP });
    signer.signUrl(COVER, { expiresAt: EXP + 360 });
    signer.signUrl(`${COVER}?v=2`, { expiresAt: EXP });
    signerWith(cache, "KONE", PEMS[kind], "SHA256").signUrl(COVER, { expiresAt: EXP });
    expect(signCalls.n).toBe(4);
    expect(cache.stats()).toMatchObject({ entries: 4, hits: 0, misses: 4 });
  });

  it("a rotated key misses, even under the same key id", () => {
    const cache = new SigningCache(100);
    const before = signerWith(cache, "KONE", PEMS[kind]).signUrl(COVER, { expiresAt: EXP });
    const rotated = signerWith(cache, "KTWO", PEMS.ec2).signUrl(COVER, { expiresAt: EXP });
    const sameIdOtherKey = signerWith(cache, "KONE", PEMS.ec2).signUrl(COVER, { expiresAt: EXP });
    expect(signCalls.n).toBe(3);
    expect(rotated).toContain("Key-Pair-Id=KTWO&");
    const signature = (url: string) => new URL(url).searchParams.get("Signature");
    expect(new Set([before, rotated, sameIdOtherKey].map(signature)).size).toBe(3);
    const trusted = createKeyRing({ activeKeyId: "KONE", keys: [{ id: "KONE", privateKeyPem: PEMS.ec2 }] }).publicKeys();
    expect(verifyRequest({ url: sameIdOtherKey, cookies: {}, sourceIp: "127.0.0.1", now: NOW }, { trustedKeys: trusted }).ok).toBe(true);
  });
});

describe("signature cache bounds", () => {
  it("holds at most maxEntries, keeping what is used again and dropping what is not", () => {
    const cache = new SigningCache(4);
    const signer = signerWith(cache, "KONE", PEMS.ec);
    for (let i = 0; i < 10; i++) {
      signer.signUrl(`${COVER}?i=${i}`, { expiresAt: EXP });
      // i=0 is used again after every new URL: it is never dropped.
      signer.signUrl(`${COVER}?i=0`, { expiresAt: EXP });
      expect(cache.stats().entries).toBeLessThanOrEqual(4);
    }
    expect(signCalls.n).toBe(10);
    signer.signUrl(`${COVER}?i=9`, { expiresAt: EXP });
    expect(signCalls.n).toBe(10);
    signer.signUrl(`${COVER}?i=1`, { expiresAt: EXP });
    expect(signCalls.n).toBe(11);
    expect(cache.stats()).toMatchObject({ hits: 11, misses: 11 });
  });

  it("a cache of one entry still answers the last signature", () => {
    const cache = new SigningCache(1);
    const signer = signerWith(cache, "KONE", PEMS.ec);
    signer.signUrl(`${COVER}?i=1`, { expiresAt: EXP });
    signer.signUrl(`${COVER}?i=1`, { expiresAt: EXP });
    signer.signUrl(`${COVER}?i=2`, { expiresAt: EXP });
    expect(signCalls.n).toBe(2);
    expect(cache.stats().entries).toBe(1);
  });

  it("an entry expires with its URL", () => {
    const cache = new SigningCache(100);
    const signer = signerWith(cache, "KONE", PEMS.ec);
    signer.signUrl(COVER, { expiresAt: NOW + 10 });
    vi.setSystemTime((NOW + 10) * 1000);
    signer.signUrl(COVER, { expiresAt: NOW + 10 });
    expect(signCalls.n).toBe(2);
  });

  it("signed cookies are always signed afresh; 0 entries turns caching off", () => {
    const cache = new SigningCache(100);
    const signer = signerWith(cache, "KONE", PEMS.ec);
    signer.signedCookies({ resource: FOLDER, expiresAt: EXP });
    signer.signedCookies({ resource: FOLDER, expiresAt: EXP });
    expect(signCalls.n).toBe(2);
    expect(cache.stats()).toMatchObject({ entries: 0, hits: 0, misses: 0, hitRatio: null });
    const off = signerWith(new SigningCache(0), "KONE", PEMS.ec);
    off.signUrl(COVER, { expiresAt: EXP });
    off.signUrl(COVER, { expiresAt: EXP });
    expect(signCalls.n).toBe(4);
    expect(() => new SigningCache(-1)).toThrow(/maxEntries/);
  });
});
