import "server-only";
import { appConfig } from "@/lib/config";
import { createKeyRing, parseKeyRingEnv } from "./keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "./signer";
import { SigningCache, type SigningCacheStats } from "./signing-cache";

/**
 * The app's CloudFront signer, built once per process (keys parsed once, at first use), and its
 * signature cache (ADR 050), which outlives a rebuilt signer: its entries are keyed by the key
 * id and the key itself, so a new active key never finds a signature of another.
 */
const g = globalThis as unknown as { __signer?: CloudFrontSigner; __signingCache?: SigningCache };

function signingCache(): SigningCache {
  return (g.__signingCache ??= new SigningCache(appConfig().signing.cacheEntries));
}

export function signer(): CloudFrontSigner {
  const { signing } = appConfig();
  if (!g.__signer && signing.noop) console.warn("app: MEDIA_SIGNING=noop: media URLs carry a placeholder signature (benchmarks only).");
  return (g.__signer ??= createCloudFrontSigner({
    keyRing: createKeyRing(parseKeyRingEnv(signing)),
    hashAlgorithm: signing.hashAlgorithm,
    cache: signingCache(),
    noop: signing.noop,
  }));
}

/** Hits, misses and size of the signature cache (GET /api/health). */
export function signingCacheStats(): SigningCacheStats {
  return signingCache().stats();
}

/** For tests: drop the signer after changing the keys (the cache stays, as across a rotation). */
export function resetSigner(): void {
  g.__signer = undefined;
}
