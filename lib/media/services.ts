import "server-only";
import { env } from "@/lib/env";
import { createKeyRing, parseKeyRingEnv } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "@/lib/cloudfront/signer";
import { createStorage, type Storage } from "@/lib/storage/s3";

/**
 * Process-wide media services, built once: the storage client and the CloudFront signer
 * (keys parsed once at first use, not per call).
 */
const g = globalThis as unknown as { __storage?: Storage; __signer?: CloudFrontSigner };

export function storage(): Storage {
  return (g.__storage ??= createStorage({
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    endpoint: env.S3_ENDPOINT,
    accessKeyId: env.S3_ACCESS_KEY_ID ?? (env.S3_ENDPOINT ? "S3RVER" : undefined),
    secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? (env.S3_ENDPOINT ? "S3RVER" : undefined),
  }));
}

export function signer(): CloudFrontSigner {
  return (g.__signer ??= createCloudFrontSigner({
    keyRing: createKeyRing(
      parseKeyRingEnv({
        CLOUDFRONT_KEY_PAIR_ID: env.CLOUDFRONT_KEY_PAIR_ID,
        CLOUDFRONT_PRIVATE_KEY: env.CLOUDFRONT_PRIVATE_KEY,
        CLOUDFRONT_PRIVATE_KEY_PATH: env.CLOUDFRONT_PRIVATE_KEY_PATH,
        CLOUDFRONT_EXTRA_KEYS: env.CLOUDFRONT_EXTRA_KEYS,
      }),
    ),
    hashAlgorithm: env.CLOUDFRONT_HASH_ALGORITHM,
  }));
}

/** For tests: drop the cached services after changing the environment. */
export function resetMediaServices(): void {
  g.__storage?.destroy();
  g.__storage = undefined;
  g.__signer = undefined;
}
