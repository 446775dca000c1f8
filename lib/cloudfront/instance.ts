import "server-only";
import { appConfig } from "@/lib/config";
import { createKeyRing, parseKeyRingEnv } from "./keyring";
import { createCloudFrontSigner, type CloudFrontSigner } from "./signer";

/** The app's CloudFront signer, built once per process (keys parsed once, at first use). */
const g = globalThis as unknown as { __signer?: CloudFrontSigner };

export function signer(): CloudFrontSigner {
  const { signing } = appConfig();
  return (g.__signer ??= createCloudFrontSigner({ keyRing: createKeyRing(parseKeyRingEnv(signing)), hashAlgorithm: signing.hashAlgorithm }));
}

/** For tests: drop the signer after changing the keys. */
export function resetSigner(): void {
  g.__signer = undefined;
}
