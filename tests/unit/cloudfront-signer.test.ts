import crypto, { generateKeyPairSync } from "node:crypto";
import { getSignedCookies, getSignedUrl } from "@aws-sdk/cloudfront-signer";
import { describe, expect, it } from "vitest";
import { cfBase64Decode, cfBase64Encode } from "@/lib/cloudfront/base64";
import { encodeUrlPath } from "@/lib/cloudfront/encode";
import { cannedPolicy, customPolicy } from "@/lib/cloudfront/policy";
import { SignatureCache, verifyRequest, type EdgeRequest } from "@/lib/cloudfront/verify";
import { createKeyRing, type KeyRing } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type HashAlgorithm } from "@/lib/cloudfront/signer";

// Test keys are generated here, never stored in the repository.
const rsaPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const ecPem = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

const KEYS = { rsa: { id: "K2RSATESTKEY", pem: rsaPem }, ec: { id: "K3ECTESTKEY", pem: ecPem } } as const;
type KeyKind = keyof typeof KEYS;

function ringFor(kind: KeyKind): KeyRing {
  return createKeyRing({ activeKeyId: KEYS[kind].id, keys: [{ id: KEYS[kind].id, privateKeyPem: KEYS[kind].pem }] });
}

const NOW = 1_800_000_000;
const EXP = NOW + 3600;
const MEDIA = "https://media.example.com";
const FOLDER = `${MEDIA}/courses/c1/lessons/l1/video/a1/`;

function parseQuery(url: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of url.slice(url.indexOf("?") + 1).split("&")) {
    const eq = part.indexOf("=");
    out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

function edge(url: string, cookies: Record<string, string> = {}, now = NOW, sourceIp = "198.51.100.7"): EdgeRequest {
  return { url, cookies, now, sourceIp };
}

/** Reference signature computed with node's crypto from the PEM, as the SDK does. */
function referenceSignature(pem: string, policy: string, hash: HashAlgorithm): string {
  const sig = crypto.createSign(hash === "SHA256" ? "RSA-SHA256" : "RSA-SHA1").update(policy).sign(pem, "base64");
  return sig.replace(/\+/g, "-").replace(/=/g, "_").replace(/\//g, "~");
}

const combos: Array<[KeyKind, HashAlgorithm]> = [
  ["rsa", "SHA1"],
  ["rsa", "SHA256"],
  ["ec", "SHA1"],
  ["ec", "SHA256"],
];

describe.each(combos)("signer output verified by the edge (%s, %s)", (kind, hash) => {
  const ring = ringFor(kind);
  const signer = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: hash });
  const trustedKeys = ring.publicKeys();
  const hashParam = hash === "SHA256" ? "&Hash-Algorithm=SHA256" : "";

  it("canned signed URL: verifies, app params first, signing params stripped for the origin", () => {
    const url = `${FOLDER}${encodeUrlPath("My Lesson's.mp4")}?response-content-disposition=attachment`;
    const signed = signer.signUrl(url, { expiresAt: EXP });
    expect(signed.startsWith(`${url}&Expires=${EXP}&Key-Pair-Id=${KEYS[kind].id}&Signature=`)).toBe(true);
    expect(signed.endsWith(hashParam)).toBe(true);
    const decision = verifyRequest(edge(signed), { trustedKeys });
    expect(decision).toEqual({ ok: true, via: "url", policy: "canned", originUrl: url, keyId: KEYS[kind].id });
  });

  it("canned signed URL without app query uses ?", () => {
    const url = `${FOLDER}poster.jpg`;
    const signed = signer.signUrl(url, { expiresAt: EXP });
    expect(signed.startsWith(`${url}?Expires=${EXP}&`)).toBe(true);
    expect(verifyRequest(edge(signed), { trustedKeys }).ok).toBe(true);
  });

  it("custom-policy signed URL verifies within the window and IP only", () => {
    const url = `${FOLDER}master.m3u8`;
    const signed = signer.signUrlWithPolicy(url, { resource: `${FOLDER}*`, expiresAt: EXP, notBefore: NOW - 60, ipAddress: "198.51.100.0/24" });
    expect(verifyRequest(edge(signed), { trustedKeys })).toMatchObject({ ok: true, via: "url", originUrl: url });
    expect(verifyRequest(edge(signed, {}, NOW, "203.0.113.1"), { trustedKeys })).toMatchObject({ ok: false, code: "AccessDenied", reason: "ip-mismatch" });
    expect(verifyRequest(edge(signed, {}, EXP), { trustedKeys })).toMatchObject({ ok: false, code: "AccessDenied", reason: "expired" });
    expect(verifyRequest(edge(signed, {}, NOW - 60), { trustedKeys })).toMatchObject({ ok: false, code: "AccessDenied", reason: "not-yet-valid" });
  });

  it("policyQuery: one signature appended to every segment URI of the folder", () => {
    const q = signer.policyQuery({ resource: `${FOLDER}*`, expiresAt: EXP });
    expect(q).toMatch(new RegExp(`^Policy=[A-Za-z0-9~_-]+&Key-Pair-Id=${KEYS[kind].id}&Signature=[A-Za-z0-9~_-]+${hashParam}$`));
    for (const seg of ["720p/seg-00001.ts", "720p/index.m3u8", "360p/seg-00042.ts?v=2"]) {
      const url = `${FOLDER}${seg}`;
      const signed = `${url}${url.includes("?") ? "&" : "?"}${q}`;
      expect(verifyRequest(edge(signed), { trustedKeys })).toMatchObject({ ok: true, originUrl: url });
    }
    const other = `${MEDIA}/courses/c1/lessons/l2/video/a9/720p/seg-00001.ts?${q}`;
    expect(verifyRequest(edge(other), { trustedKeys })).toMatchObject({ ok: false, code: "AccessDenied", reason: "resource-mismatch" });
  });

  it("signed cookies: custom policy always, verified for the folder only", () => {
    const cookies = signer.signedCookies({ resource: `${FOLDER}*`, expiresAt: EXP });
    const names = Object.keys(cookies).sort();
    expect(names).toEqual(
      ["CloudFront-Key-Pair-Id", "CloudFront-Policy", "CloudFront-Signature", ...(hash === "SHA256" ? ["CloudFront-Hash-Algorithm"] : [])].sort(),
    );
    expect(cookies["CloudFront-Expires"]).toBeUndefined();
    expect(cfBase64Decode(cookies["CloudFront-Policy"])!.toString()).toBe(customPolicy({ resource: `${FOLDER}*`, dateLessThan: EXP }));
    const url = `${FOLDER}720p/seg-00003.ts`;
    expect(verifyRequest(edge(url, cookies), { trustedKeys })).toEqual({ ok: true, via: "cookie", policy: "custom", originUrl: url, keyId: KEYS[kind].id });
    expect(verifyRequest(edge(`${MEDIA}/courses/c2/x.ts`, cookies), { trustedKeys })).toMatchObject({ ok: false, reason: "resource-mismatch" });
  });

  it("verifies through the signature cache too", () => {
    const cache = new SignatureCache(100);
    const signed = signer.signUrl(`${FOLDER}a.mp4`, { expiresAt: EXP });
    expect(verifyRequest(edge(signed), { trustedKeys, cache }).ok).toBe(true);
    expect(verifyRequest(edge(signed), { trustedKeys, cache }).ok).toBe(true);
    expect(cache.hits).toBe(1);
  });
});

describe("byte-identical to @aws-sdk/cloudfront-signer and node's crypto (RSA)", () => {
  const ring = ringFor("rsa");
  const url = `${MEDIA}/courses/c1/${encodeUrlPath("intro video.mp4")}?response-content-disposition=attachment`;

  for (const hash of ["SHA1", "SHA256"] as const) {
    const signer = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: hash });
    const sdkBase = { keyPairId: KEYS.rsa.id, privateKey: rsaPem, algorithm: hash } as const;

    it(`canned URL (${hash})`, () => {
      const ours = signer.signUrl(url, { expiresAt: EXP });
      const sdk = getSignedUrl({ ...sdkBase, url, dateLessThan: new Date(EXP * 1000) });
      expect(ours).toBe(sdk);
      expect(parseQuery(ours).get("Signature")).toBe(referenceSignature(rsaPem, cannedPolicy(url, EXP), hash));
    });

    it(`custom URL with window and IP (${hash})`, () => {
      const ours = signer.signUrlWithPolicy(url, { resource: url, expiresAt: EXP, notBefore: NOW - 10, ipAddress: "192.0.2.1" });
      const sdk = getSignedUrl({ ...sdkBase, url, dateLessThan: new Date(EXP * 1000), dateGreaterThan: new Date((NOW - 10) * 1000), ipAddress: "192.0.2.1" });
      expect(ours).toBe(sdk);
      const policy = customPolicy({ resource: url, dateLessThan: EXP, dateGreaterThan: NOW - 10, ipAddress: "192.0.2.1" });
      expect(cfBase64Decode(parseQuery(ours).get("Policy")!)!.toString("utf8")).toBe(policy);
      expect(parseQuery(ours).get("Signature")).toBe(referenceSignature(rsaPem, policy, hash));
    });

    it(`custom URL with wildcard policy (${hash})`, () => {
      const target = `${FOLDER}720p/index.m3u8`;
      const policy = customPolicy({ resource: `${FOLDER}*`, dateLessThan: EXP });
      const ours = signer.signUrlWithPolicy(target, { resource: `${FOLDER}*`, expiresAt: EXP });
      expect(ours).toBe(getSignedUrl({ ...sdkBase, url: target, policy }));
    });

    it(`signed cookies (${hash})`, () => {
      const policy = customPolicy({ resource: `${FOLDER}*`, dateLessThan: EXP, ipAddress: "10.0.0.0/8" });
      const ours = signer.signedCookies({ resource: `${FOLDER}*`, expiresAt: EXP, ipAddress: "10.0.0.0/8" });
      expect(ours).toEqual(getSignedCookies({ ...sdkBase, policy }));
      expect(ours["CloudFront-Signature"]).toBe(referenceSignature(rsaPem, policy, hash));
    });
  }
});

describe("equivalent to @aws-sdk/cloudfront-signer (ECDSA P-256; signatures are randomised)", () => {
  const ring = ringFor("ec");
  const publicKey = ring.active.publicKey;
  const url = `${FOLDER}a.mp4?x=1`;

  for (const hash of ["SHA1", "SHA256"] as const) {
    const signer = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: hash });
    const digest = hash === "SHA256" ? "sha256" : "sha1";

    it(`canned URL (${hash}): same bytes except the signature, both verify`, () => {
      const ours = signer.signUrl(url, { expiresAt: EXP });
      const sdk = getSignedUrl({ keyPairId: KEYS.ec.id, privateKey: ecPem, algorithm: hash, url, dateLessThan: new Date(EXP * 1000) });
      const strip = (u: string) => u.replace(/Signature=[^&]*/, "Signature=");
      expect(strip(ours)).toBe(strip(sdk));
      const policy = Buffer.from(cannedPolicy(url, EXP));
      for (const u of [ours, sdk]) {
        const sig = cfBase64Decode(parseQuery(u).get("Signature")!)!;
        expect(crypto.verify(digest, policy, publicKey, sig)).toBe(true);
        expect(verifyRequest(edge(u), { trustedKeys: ring.publicKeys() }).ok).toBe(true);
      }
    });

    it(`signed cookies (${hash}): same policy, both verify at the edge`, () => {
      const policy = customPolicy({ resource: `${FOLDER}*`, dateLessThan: EXP });
      const ours = signer.signedCookies({ resource: `${FOLDER}*`, expiresAt: EXP });
      const sdk = getSignedCookies({ keyPairId: KEYS.ec.id, privateKey: ecPem, algorithm: hash, policy }) as unknown as Record<string, string>;
      expect({ ...ours, "CloudFront-Signature": "" }).toEqual({ ...sdk, "CloudFront-Signature": "" });
      for (const cookies of [ours, sdk]) {
        expect(verifyRequest(edge(`${FOLDER}b.ts`, cookies), { trustedKeys: ring.publicKeys() }).ok).toBe(true);
      }
    });
  }
});

describe("signer guards", () => {
  const signer = createCloudFrontSigner({ keyRing: ringFor("rsa"), hashAlgorithm: "SHA1" });

  it("refuses URLs a browser would rewrite and reserved parameter names", () => {
    expect(() => signer.signUrl(`${MEDIA}/a b.mp4`, { expiresAt: EXP })).toThrow(/encodeUrlPath/);
    expect(() => signer.signUrl(`${MEDIA}/it's.mp4`, { expiresAt: EXP })).toThrow();
    expect(() => signer.signUrl(`${MEDIA}/a.mp4?Expires=5`, { expiresAt: EXP })).toThrow(/reserved/);
  });

  it("refuses non-integer or out-of-range expiry", () => {
    expect(() => signer.signUrl(`${MEDIA}/a.mp4`, { expiresAt: EXP + 0.5 })).toThrow(/integer/);
    expect(() => signer.signUrl(`${MEDIA}/a.mp4`, { expiresAt: 2147483648 })).toThrow();
    expect(() => signer.signedCookies({ resource: `${FOLDER}*`, expiresAt: Date.now() })).toThrow();
  });

  it("refuses a policy without Resource, the global * and a resource that does not cover the URL", () => {
    expect(() => signer.signedCookies({ resource: "", expiresAt: EXP })).toThrow(/Resource/);
    expect(() => signer.signedCookies({ resource: "*", expiresAt: EXP })).toThrow();
    expect(() => signer.policyQuery({ resource: "*", expiresAt: EXP })).toThrow();
    expect(() => signer.signUrlWithPolicy(`${MEDIA}/other/a.mp4`, { resource: `${FOLDER}*`, expiresAt: EXP })).toThrow(/does not cover/);
  });

  it("refuses an unknown hash algorithm", () => {
    expect(() => createCloudFrontSigner({ keyRing: ringFor("rsa"), hashAlgorithm: "MD5" as HashAlgorithm })).toThrow();
  });

  it("Signature and Policy values use only the CloudFront base64 alphabet", () => {
    const signed = signer.signUrlWithPolicy(`${FOLDER}a.mp4`, { resource: `${FOLDER}*`, expiresAt: EXP });
    const q = parseQuery(signed);
    expect(q.get("Signature")).toMatch(/^[A-Za-z0-9\-~_]+$/);
    expect(q.get("Policy")).toBe(cfBase64Encode(customPolicy({ resource: `${FOLDER}*`, dateLessThan: EXP })));
  });
});
