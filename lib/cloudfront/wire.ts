/**
 * CloudFront signed URL / cookie wire names and error texts (docs: /work/shared/docs/cloudfront.md).
 * Pure constants shared by the signer, the edge and the tests.
 */

/** Query parameters CloudFront reserves for signed URLs (found by name, case-sensitive). */
export const SIGNING_QUERY_PARAMS = ["Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"] as const;
export type SigningQueryParam = (typeof SIGNING_QUERY_PARAMS)[number];

/** Cookie names for signed cookies (case-sensitive). */
export const SIGNING_COOKIES = {
  expires: "CloudFront-Expires",
  policy: "CloudFront-Policy",
  signature: "CloudFront-Signature",
  keyPairId: "CloudFront-Key-Pair-Id",
  hashAlgorithm: "CloudFront-Hash-Algorithm",
} as const;

export type HashAlgorithm = "SHA1" | "SHA256";

/** The only value CloudFront accepts for `Hash-Algorithm`; absent means SHA1. */
export const HASH_ALGORITHM_SHA256 = "SHA256";

/** Maximum URL length CloudFront accepts, in bytes. */
export const MAX_URL_BYTES = 8192;

export function isSigningQueryParam(name: string): name is SigningQueryParam {
  return (SIGNING_QUERY_PARAMS as readonly string[]).includes(name);
}
