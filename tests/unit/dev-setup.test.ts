import { generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureLocalEnv } from "@/lib/config/dev-setup";
import { createKeyRing, parseKeyRingEnv, parseTrustedKeysEnv } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";
import { verifyRequest } from "@/lib/cloudfront/verify";

const VARS = ["NEXTAUTH_SECRET", "CLOUDFRONT_KEY_PAIR_ID", "CLOUDFRONT_PRIVATE_KEY", "CLOUDFRONT_PRIVATE_KEY_PATH", "CLOUDFRONT_EXTRA_KEYS"];
const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of VARS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function freshRoot(): string {
  for (const k of VARS) delete process.env[k];
  return fs.mkdtempSync(path.join(os.tmpdir(), "dev-setup-"));
}

describe("first-run development key (npm start)", () => {
  it("is ECDSA P-256, private to its owner, and signs URLs the local edge accepts", () => {
    const root = freshRoot();
    const { added } = ensureLocalEnv(root);
    expect(added).toEqual(["NEXTAUTH_SECRET", "CLOUDFRONT_KEY_PAIR_ID", "CLOUDFRONT_PRIVATE_KEY_PATH"]);
    const keyId = process.env.CLOUDFRONT_KEY_PAIR_ID!;
    const keyFile = path.join(root, process.env.CLOUDFRONT_PRIVATE_KEY_PATH!);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, ".env.local"), "utf8")).toContain(`CLOUDFRONT_KEY_PAIR_ID=${keyId}\n`);

    const ring = createKeyRing(parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: keyId, CLOUDFRONT_PRIVATE_KEY_PATH: keyFile }));
    expect(ring.active.algorithm).toBe("ec-p256");
    const url = createCloudFrontSigner({ keyRing: ring, hashAlgorithm: "SHA1" }).signUrl("http://localhost:4000/courses/c1/cover/a.jpg", {
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    });
    // What the local edge trusts by default in local mode: the app's key, `id=path`.
    const trustedKeys = parseTrustedKeysEnv({ EDGE_TRUSTED_KEYS: `${keyId}=${keyFile}` });
    expect(verifyRequest({ url, cookies: {}, sourceIp: "127.0.0.1", now: Math.floor(Date.now() / 1000) }, { trustedKeys }).ok).toBe(true);
  });

  it("keeps the key an existing installation has, RSA included", () => {
    const root = freshRoot();
    const rsaFile = path.join(root, "old-rsa.pem");
    fs.writeFileSync(rsaFile, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }));
    fs.writeFileSync(path.join(root, ".env.local"), `NEXTAUTH_SECRET=${"s".repeat(40)}\n`);
    Object.assign(process.env, { NEXTAUTH_SECRET: "s".repeat(40), CLOUDFRONT_KEY_PAIR_ID: "KOLDRSA", CLOUDFRONT_PRIVATE_KEY_PATH: rsaFile });
    expect(ensureLocalEnv(root).added).toEqual([]);
    expect(fs.existsSync(path.join(root, "var"))).toBe(false);
    expect(createKeyRing(parseKeyRingEnv(process.env)).active.algorithm).toBe("rsa-2048");
  });
});
