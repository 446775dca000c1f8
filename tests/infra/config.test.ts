import { createPrivateKey, generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { envName, loadConfig, sharedParentDomain } from "@/infra/config";
import { addKey, parseKeySecret, removeKey } from "@/infra/key-secret";
import { MEDIA_CERT, generateKey, keysDir, REPO_ROOT, tempDir, WITH_DOMAINS } from "./support";

const load = (context: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadConfig({ context: (k) => context[k], env, repoRoot: REPO_ROOT });

describe("configuration", () => {
  it("reads settings from context first, then LUMEN_* environment variables, then defaults", () => {
    const dir = keysDir([generateKey("cf-1")]);
    expect(envName("appDomain")).toBe("LUMEN_APP_DOMAIN");
    const fromEnv = load({ keysDir: dir }, { LUMEN_NAT_GATEWAYS: "2", LUMEN_REGION: "us-west-2", CDK_DEFAULT_REGION: "eu-central-1" });
    expect(fromEnv).toMatchObject({ natGateways: 2, region: "us-west-2", appCpu: 512, deletionProtection: true, hashAlgorithm: "SHA1" });
    expect(load({ keysDir: dir, natGateways: 3 }, { LUMEN_NAT_GATEWAYS: "2" }).natGateways).toBe(3);
    expect(load({ keysDir: dir }, { CDK_DEFAULT_REGION: "eu-central-1" }).region).toBe("eu-central-1");
  });

  it("names the setting at fault and refuses invalid combinations", () => {
    const dir = keysDir([generateKey("cf-1")]);
    expect(() => load({ keysDir: dir, natGateways: "0" })).toThrow(/natGateways \(LUMEN_NAT_GATEWAYS\)/);
    expect(() => load({ keysDir: dir, appDomain: "learn.example.com" })).toThrow(/appCertificateArn/);
    expect(() => load({ keysDir: dir, mediaDomain: "media.example.com", mediaCertificateArn: MEDIA_CERT.replace("us-east-1", "eu-west-1") })).toThrow(/us-east-1/);
    expect(() => load({ keysDir: dir, appCpu: 512, appMemoryMiB: 512 })).toThrow(/appMemoryMiB/);
    expect(() => load({ keysDir: dir, logRetentionDays: 31 })).toThrow(/logRetentionDays/);
  });

  it("derives the signed-cookie domain from the app and media domains", () => {
    const dir = keysDir([generateKey("cf-1")]);
    expect(sharedParentDomain("learn.example.com", "media.example.com")).toBe("example.com");
    expect(sharedParentDomain("learn.a.com", "media.b.com")).toBeUndefined();
    expect(load({ keysDir: dir, ...WITH_DOMAINS }).mediaCookieDomain).toBe("example.com");
    expect(load({ keysDir: dir }).mediaCookieDomain).toBeUndefined();
  });
});

describe("CloudFront public keys", () => {
  it("accepts ECDSA P-256 and RSA-2048 key files and an inline key", () => {
    const inline = generateKey("cf-inline");
    const c = load({ keysDir: keysDir([generateKey("cf-ec"), generateKey("cf-rsa", "rsa")]), publicKeys: JSON.stringify({ [inline.name]: inline.publicPem }), activeKey: "cf-ec" });
    expect(c.keys.map((k) => [k.name, k.algorithm])).toEqual([
      ["cf-ec", "ECDSA P-256"],
      ["cf-rsa", "RSA-2048"],
      ["cf-inline", "ECDSA P-256"],
    ]);
    expect(c.activeKey.name).toBe("cf-ec");
  });

  it("refuses a private key in the keys folder", () => {
    const dir = tempDir("keys");
    fs.writeFileSync(path.join(dir, "oops.pub.pem"), generateKey("oops").privatePem);
    expect(() => load({ keysDir: dir })).toThrow(/PRIVATE key/);
  });

  it("refuses keys CloudFront does not accept (RSA-1024, P-384)", () => {
    for (const key of [
      generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey,
      generateKeyPairSync("ec", { namedCurve: "secp384r1" }).publicKey,
    ]) {
      const dir = tempDir("keys");
      fs.writeFileSync(path.join(dir, "weak.pub.pem"), key.export({ type: "spki", format: "pem" }));
      expect(() => load({ keysDir: dir })).toThrow(/ECDSA P-256 or RSA-2048/);
    }
  });

  it("needs at least one key, at most five, and an active key when there are several", () => {
    expect(() => load({ keysDir: tempDir("empty") })).toThrow(/no CloudFront public key.*openssl ecparam/s);
    const six = Array.from({ length: 6 }, (_, i) => generateKey(`k${i}`));
    expect(() => load({ keysDir: keysDir(six), activeKey: "k0" })).toThrow(/at most 5/);
    const two = keysDir([generateKey("a"), generateKey("b")]);
    expect(() => load({ keysDir: two })).toThrow(/set activeKey/);
    expect(() => load({ keysDir: two, activeKey: "c" })).toThrow(/activeKey "c"/);
  });
});

describe("private-key secret helper (infra:key-secret)", () => {
  it("adds a key whose public half matches its key file, removes keys, and refuses a mismatch", () => {
    const a = generateKey("cf-a");
    const b = generateKey("cf-b", "rsa");
    let secret = parseKeySecret("");
    secret = addKey(secret, a.name, a.privatePem, a.publicPem);
    secret = addKey(secret, b.name, b.privatePem);
    expect(Object.keys(secret)).toEqual(["cf-a", "cf-b"]);
    expect(createPrivateKey(secret["cf-a"]).asymmetricKeyType).toBe("ec");
    expect(() => addKey(secret, "cf-c", a.privatePem, b.publicPem)).toThrow(/does not belong/);
    expect(() => addKey(secret, "cf-c", a.publicPem)).toThrow(/not an unencrypted private key/);
    expect(Object.keys(removeKey(parseKeySecret(JSON.stringify(secret)), "cf-a"))).toEqual(["cf-b"]);
  });
});
