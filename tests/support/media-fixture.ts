import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";

/**
 * Starts embedded storage and points the media environment at it (before lib/env is
 * imported), with a freshly generated signing key: ECDSA P-256 like a new installation's, or
 * RSA-2048 when asked. Returns the public key for verification.
 */
export async function startMediaEnv(overrides: Record<string, string> = {}, keyType: "ec" | "rsa" = "ec") {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "media-test-"));
  const storage: EmbeddedStorage = await startEmbeddedStorage({ directory: dir, port: 0, bucket: "media" });
  const { privateKey, publicKey } =
    keyType === "ec" ? crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  Object.assign(process.env, {
    S3_ENDPOINT: storage.endpoint,
    S3_BUCKET: "media",
    MEDIA_BASE_URL: "http://localhost:4999",
    CLOUDFRONT_KEY_PAIR_ID: "KTESTKEY",
    CLOUDFRONT_PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    ...overrides,
  });
  delete process.env.CLOUDFRONT_PRIVATE_KEY_PATH;
  return {
    trustedKeys: new Map([["KTESTKEY", publicKey]]),
    async stop() {
      await storage.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MASTER = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360
360p/index.m3u8
`;
export const MEDIA = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-PLAYLIST-TYPE:VOD
#EXTINF:2.0,
seg_000.ts
#EXTINF:2.0,
seg_001.ts
#EXT-X-ENDLIST
`;
