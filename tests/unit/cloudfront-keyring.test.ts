import crypto, { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyRequest } from "@/lib/cloudfront/verify";
import {
  createKeyRing,
  loadPem,
  parseHashAlgorithmEnv,
  parseKeyRingEnv,
  parseTrustedKeysEnv,
  publicKeyFromPem,
} from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";

// Keys are generated per run; PEM files live only in a temporary directory.
const pkcs8 = (k: crypto.KeyObject) => k.export({ type: "pkcs8", format: "pem" }).toString();
const spki = (k: crypto.KeyObject) => k.export({ type: "spki", format: "pem" }).toString();
const oldRsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const newEc = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
const OLD_PEM = pkcs8(oldRsa.privateKey);
const NEW_PEM = pkcs8(newEc.privateKey);
const oneLine = (pem: string) => pem.trim().replace(/\n/g, "\\n");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cf-keyring-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
function writeTmp(name: string, text: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

const NOW = 1_800_000_000;
const URL_ = "https://media.example.com/courses/c1/lessons/l1/v.mp4";
const req = (url: string) => ({ url, cookies: {}, sourceIp: "198.51.100.7", now: NOW });

describe("loadPem", () => {
  it("accepts an inline PEM as is", () => {
    expect(loadPem(OLD_PEM)).toBe(OLD_PEM);
  });

  it("accepts a one-line PEM with literal \\n escapes, quotes, or a body flattened with spaces", () => {
    expect(loadPem(oneLine(OLD_PEM))).toBe(OLD_PEM);
    expect(loadPem(`"${oneLine(OLD_PEM)}"`)).toBe(OLD_PEM);
    expect(loadPem(OLD_PEM.replace(/\n/g, "\r\n"))).toBe(OLD_PEM);
    const flattened = OLD_PEM.trim().replace(/\n/g, " ");
    expect(loadPem(flattened)).toBe(OLD_PEM);
    expect(() => crypto.createPrivateKey(loadPem(flattened))).not.toThrow();
  });

  it("reads a file path", () => {
    expect(loadPem(writeTmp("a.pem", OLD_PEM))).toBe(OLD_PEM);
  });

  it("fails clearly without leaking key material", () => {
    expect(() => loadPem(path.join(tmp, "missing.pem"))).toThrow(/cannot read PEM file .*ENOENT/);
    expect(() => loadPem(writeTmp("junk.txt", "hello"))).toThrow(/does not contain a PEM/);
    expect(() => loadPem("")).toThrow(/empty/);
    const truncated = OLD_PEM.split("-----END")[0];
    try {
      loadPem(truncated);
      expect.unreachable();
    } catch (err) {
      expect(String(err)).toMatch(/BEGIN\/-----END/);
      expect(String(err)).not.toContain(OLD_PEM.split("\n")[1]);
    }
  });
});

describe("createKeyRing", () => {
  it("parses RSA-2048 and EC P-256 keys once and exposes the active key and public keys", () => {
    const ring = createKeyRing({ activeKeyId: "KNEW", keys: [{ id: "KOLD", privateKeyPem: OLD_PEM }, { id: "KNEW", privateKeyPem: NEW_PEM }] });
    expect(ring.activeKeyId).toBe("KNEW");
    expect(ring.active.algorithm).toBe("ec-p256");
    expect(ring.get("KOLD")!.algorithm).toBe("rsa-2048");
    expect(ring.ids()).toEqual(["KNEW", "KOLD"]);
    const pub = ring.publicKeys();
    expect([...pub.keys()]).toEqual(["KNEW", "KOLD"]);
    expect(pub.get("KOLD")!.type).toBe("public");
    expect(pub.get("KOLD")!.export({ type: "spki", format: "pem" })).toBe(spki(oldRsa.publicKey));
    expect(ring.publicKeys()).toBe(pub); // computed once
  });

  it("rejects other key types and sizes with a clear error", () => {
    const rsa1024 = pkcs8(generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey);
    const p384 = pkcs8(generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey);
    const ed = pkcs8(generateKeyPairSync("ed25519").privateKey);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: rsa1024 }] })).toThrow(/1024 bits.*RSA-2048/);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: p384 }] })).toThrow(/secp384r1.*P-256/);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: ed }] })).toThrow(/ed25519/);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: spki(oldRsa.publicKey) }] })).toThrow(/private key/);
    const encrypted = oldRsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString();
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: encrypted }] })).toThrow(/unencrypted/);
  });

  it("rejects a missing active key, duplicates, bad ids and an empty ring", () => {
    expect(() => createKeyRing({ activeKeyId: "KX", keys: [{ id: "KOLD", privateKeyPem: OLD_PEM }] })).toThrow(/not among/);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [{ id: "K", privateKeyPem: OLD_PEM }, { id: "K", privateKeyPem: NEW_PEM }] })).toThrow(/duplicate/);
    expect(() => createKeyRing({ activeKeyId: "K,1", keys: [{ id: "K,1", privateKeyPem: OLD_PEM }] })).toThrow(/invalid CloudFront key id/);
    expect(() => createKeyRing({ activeKeyId: "K", keys: [] })).toThrow(/at least one/);
  });
});

describe("rotation", () => {
  const before = createKeyRing({ activeKeyId: "KOLD", keys: [{ id: "KOLD", privateKeyPem: OLD_PEM }] });
  const during = createKeyRing({ activeKeyId: "KNEW", keys: [{ id: "KNEW", privateKeyPem: NEW_PEM }, { id: "KOLD", privateKeyPem: OLD_PEM }] });
  const after = createKeyRing({ activeKeyId: "KNEW", keys: [{ id: "KNEW", privateKeyPem: NEW_PEM }] });
  const oldUrl = createCloudFrontSigner({ keyRing: before, hashAlgorithm: "SHA1" }).signUrl(URL_, { expiresAt: NOW + 3600 });

  it("a URL signed with the old key still verifies while the old key is trusted", () => {
    expect(oldUrl).toContain("Key-Pair-Id=KOLD");
    expect(verifyRequest(req(oldUrl), { trustedKeys: during.publicKeys() })).toMatchObject({ ok: true, keyId: "KOLD" });
  });

  it("new signatures use the active key", () => {
    const signer = createCloudFrontSigner({ keyRing: during, hashAlgorithm: "SHA256" });
    expect(signer.keyId).toBe("KNEW");
    const fresh = signer.signUrl(URL_, { expiresAt: NOW + 3600 });
    expect(fresh).toContain("Key-Pair-Id=KNEW");
    expect(signer.signedCookies({ resource: "https://media.example.com/courses/c1/*", expiresAt: NOW + 60 })["CloudFront-Key-Pair-Id"]).toBe("KNEW");
    expect(verifyRequest(req(fresh), { trustedKeys: after.publicKeys() })).toMatchObject({ ok: true, keyId: "KNEW" });
  });

  it("once the old key is removed, its URLs fail with InvalidKey", () => {
    expect(verifyRequest(req(oldUrl), { trustedKeys: after.publicKeys() })).toMatchObject({ ok: false, status: 403, code: "InvalidKey", message: "Unknown Key" });
  });
});

describe("parseKeyRingEnv", () => {
  it("reads the active key inline (one-line PEM) and extra keys by path or inline", () => {
    const newPath = writeTmp("new.pem", NEW_PEM);
    const config = parseKeyRingEnv({
      CLOUDFRONT_KEY_PAIR_ID: "KOLD",
      CLOUDFRONT_PRIVATE_KEY: oneLine(OLD_PEM),
      CLOUDFRONT_EXTRA_KEYS: ` KNEW=${newPath} , KINL=${oneLine(pkcs8(generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey))},`,
    });
    expect(config.activeKeyId).toBe("KOLD");
    expect(config.keys.map((k) => k.id)).toEqual(["KOLD", "KNEW", "KINL"]);
    expect(config.keys[0].privateKeyPem).toBe(OLD_PEM);
    expect(config.keys[1].privateKeyPem).toBe(NEW_PEM);
    const ring = createKeyRing(config);
    expect(ring.ids()).toEqual(["KOLD", "KNEW", "KINL"]);
  });

  it("reads the active key from CLOUDFRONT_PRIVATE_KEY_PATH", () => {
    const config = parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K1", CLOUDFRONT_PRIVATE_KEY_PATH: writeTmp("k1.pem", OLD_PEM) });
    expect(config).toEqual({ activeKeyId: "K1", keys: [{ id: "K1", privateKeyPem: OLD_PEM }] });
  });

  it("names the variable at fault", () => {
    expect(() => parseKeyRingEnv({})).toThrow(/CLOUDFRONT_KEY_PAIR_ID/);
    expect(() => parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K" })).toThrow(/CLOUDFRONT_PRIVATE_KEY/);
    expect(() => parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY: OLD_PEM, CLOUDFRONT_PRIVATE_KEY_PATH: "/x" })).toThrow(/only one/);
    expect(() => parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY: "/etc/key.pem" })).toThrow(/_PATH/);
    expect(() => parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY: OLD_PEM, CLOUDFRONT_EXTRA_KEYS: "K2" })).toThrow(/CLOUDFRONT_EXTRA_KEYS/);
    expect(() => parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: "K", CLOUDFRONT_PRIVATE_KEY: OLD_PEM, CLOUDFRONT_EXTRA_KEYS: `K=${writeTmp("dup.pem", NEW_PEM)}` })).toThrow(/twice/);
  });
});

describe("parseTrustedKeysEnv", () => {
  it("accepts public or private PEMs, by path or inline, and derives public keys", () => {
    const pubPath = writeTmp("old.pub.pem", spki(oldRsa.publicKey));
    const keys = parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: `KOLD=${pubPath},KNEW=${oneLine(NEW_PEM)}` });
    expect([...keys.keys()]).toEqual(["KOLD", "KNEW"]);
    for (const k of keys.values()) expect(k.type).toBe("public");
    expect(keys.get("KNEW")!.export({ type: "spki", format: "pem" })).toBe(spki(newEc.publicKey));
    // and these keys verify what the app signs
    const ring = createKeyRing({ activeKeyId: "KNEW", keys: [{ id: "KNEW", privateKeyPem: NEW_PEM }] });
    const signed = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: "SHA1" }).signUrl(URL_, { expiresAt: NOW + 10 });
    expect(verifyRequest(req(signed), { trustedKeys: keys }).ok).toBe(true);
  });

  it("accepts a PKCS#1 RSA public key", () => {
    const pkcs1 = oldRsa.publicKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(publicKeyFromPem(pkcs1).asymmetricKeyType).toBe("rsa");
  });

  it("refuses an empty list, unsupported keys and malformed entries", () => {
    expect(() => parseTrustedKeysEnv({})).toThrow(/EDGE_TRUSTED_KEYS is not set/);
    expect(() => parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: " , " })).toThrow(/not set/);
    expect(() => parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: "/path/only.pem" })).toThrow(/id=path/);
    const ed = spki(generateKeyPairSync("ed25519").publicKey);
    expect(() => parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: `KED=${oneLine(ed)}` })).toThrow(/unsupported key type/);
  });
});

describe("parseHashAlgorithmEnv", () => {
  it("defaults to SHA1 and accepts SHA256", () => {
    expect(parseHashAlgorithmEnv({})).toBe("SHA1");
    expect(parseHashAlgorithmEnv({ CLOUDFRONT_HASH_ALGORITHM: "sha256" })).toBe("SHA256");
    expect(parseHashAlgorithmEnv({ CLOUDFRONT_HASH_ALGORITHM: "SHA1" })).toBe("SHA1");
    expect(() => parseHashAlgorithmEnv({ CLOUDFRONT_HASH_ALGORITHM: "MD5" })).toThrow(/SHA1 or SHA256/);
  });
});
