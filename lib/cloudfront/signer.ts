/**
 * CloudFront signer: canned and custom policies, signed URLs, policy query strings (for
 * rewritten HLS playlists) and signed cookies.
 *
 * Output is byte-identical to `@aws-sdk/cloudfront-signer` for the same key, URL and times
 * (same policy bytes, same parameter order, same encoding; RSA signatures identical, ECDSA
 * signatures randomised by nature), but signs with node:crypto using the KeyObject the key
 * ring parsed once, because the SDK only takes a PEM string and re-parses it on every call
 * (~780 URLs/s instead of ~3,400/s for RSA). See docs/decisions/011-signer-key-parsing.md;
 * tests/unit/cloudfront-signer.test.ts proves the equivalence against the SDK.
 */
import "server-only";

import { sign as cryptoSign } from "node:crypto";
import { cfBase64Encode } from "./base64";
import { assertSignableUrl } from "./encode";
import { matchResource } from "./match";
import { assertEpoch, cannedPolicyOfSignableUrl, customPolicy } from "./policy";
import { HASH_ALGORITHM_SHA256, SIGNING_COOKIES, type HashAlgorithm } from "./wire";
import type { KeyRing } from "./keyring";
import { signingIdentity, type SigningCache } from "./signing-cache";

export { encodeUrlPath, assertSignableUrl } from "./encode";
export type { HashAlgorithm } from "./wire";

export interface PolicyOptions {
  /**
   * URL or wildcard pattern the policy grants, e.g.
   * `https://media.example.com/courses/c1/lessons/l1/*`. Required; `"*"` is refused.
   */
  resource: string;
  /** Epoch seconds (integer); denied from this second on. */
  expiresAt: number;
  /** Epoch seconds (integer); denied up to and including this second. */
  notBefore?: number;
  /** IPv4 address or CIDR; a bare address means /32. */
  ipAddress?: string;
}

export interface CloudFrontSigner {
  /** The Key-Pair-Id signatures carry (the key ring's active key). */
  readonly keyId: string;
  readonly hashAlgorithm: HashAlgorithm;
  /**
   * Canned-policy signed URL: `url` + `Expires`, `Key-Pair-Id`, `Signature`
   * [+ `Hash-Algorithm=SHA256`], the app's own query parameters kept first. `url` must be
   * already percent-encoded (build its path with `encodeUrlPath`): it is signed verbatim and
   * refused if a browser would rewrite it (see `assertSignableUrl`).
   */
  signUrl(url: string, opts: { expiresAt: number }): string;
  /** Custom-policy signed URL: `url` + `Policy`, `Key-Pair-Id`, `Signature` [+ `Hash-Algorithm`]. */
  signUrlWithPolicy(url: string, opts: PolicyOptions): string;
  /**
   * `Policy=...&Key-Pair-Id=...&Signature=...[&Hash-Algorithm=SHA256]`: one signature to append
   * (after `?` or `&`) to every URI a wildcard resource covers (cookie-less HLS).
   */
  policyQuery(opts: PolicyOptions): string;
  /**
   * Signed cookies with a custom policy (always, even for a single file: a canned cookie
   * cannot carry a wildcard, JS v3 #4516): `CloudFront-Key-Pair-Id`, `CloudFront-Signature`,
   * `CloudFront-Policy` [+ `CloudFront-Hash-Algorithm`]. The caller sets them as separate
   * `Set-Cookie` headers with `Secure; HttpOnly`, a shared parent `Domain` and a narrow `Path`.
   */
  signedCookies(opts: PolicyOptions): Record<string, string>;
}

export interface CloudFrontSignerOptions {
  keyRing: KeyRing;
  hashAlgorithm: HashAlgorithm;
  /**
   * Signatures already made (ADR 050): URLs and policy queries reuse them while their policy
   * is valid. Signed cookies are always signed afresh (their expiry moves every second).
   */
  cache?: SigningCache;
  /**
   * Benchmarks only (MEDIA_SIGNING=noop, refused outside APP_ENV=local): every signature is a
   * placeholder of the active key's signature length, so a page rendered with it has the same
   * shape and weight without any signing work (policy, digest, cache, crypto). Nothing it
   * produces verifies.
   */
  noop?: boolean;
}

export function createCloudFrontSigner({ keyRing, hashAlgorithm, cache, noop = false }: CloudFrontSignerOptions): CloudFrontSigner {
  if (hashAlgorithm !== "SHA1" && hashAlgorithm !== "SHA256") {
    throw new Error(`hashAlgorithm must be "SHA1" or "SHA256", got ${String(hashAlgorithm)}`);
  }
  const key = keyRing.active;
  const digest = hashAlgorithm === "SHA256" ? "sha256" : "sha1";
  // Key ids are restricted to URL-safe characters by the key ring, so no encoding is needed.
  const keyId = key.id;
  const hashSuffix = hashAlgorithm === "SHA256" ? `&Hash-Algorithm=${HASH_ALGORITHM_SHA256}` : "";

  /**
   * RSA PKCS#1 v1.5 or ECDSA (DER) over the exact policy bytes, CloudFront base64. Policies are
   * printable ASCII (policy.ts checks the resource; the rest is JSON punctuation, digits and a
   * CIDR), whose UTF-8 and Latin-1 bytes are the same: Latin-1 skips the UTF-8 encoder.
   */
  const signPolicy = (policy: string): string =>
    cfBase64Encode(cryptoSign(digest, Buffer.from(policy, "latin1"), key.privateKey));
  if (noop) return noopSigner(keyId, hashAlgorithm, hashSuffix, signPolicy("placeholder").length);
  const scope = cache ? cache.scope(signingIdentity(keyId, key.publicKey), hashAlgorithm) : "";
  /** The same, from the cache when this key already signed this policy (valid until `expiresAt`). */
  const cachedSignature = (policy: string, expiresAt: number): string =>
    cache ? cache.signature(`${scope}p${policy}`, expiresAt, () => signPolicy(policy)) : signPolicy(policy);
  /**
   * A canned policy's signature, for a URL `assertSignableUrl` passed (JSON-safe, no space). The
   * URL and the expiry determine the policy, so they are the key: shorter entries, and a hit
   * builds no policy at all. Every catalogue cover passes here: one string for the key, no closure.
   */
  const cannedSignature = (url: string, expiresAt: number, expires: string): string => {
    if (!cache) return signPolicy(cannedPolicyOfSignableUrl(url, expires));
    const entry = `${scope}c${expires} ${url}`;
    const found = cache.lookup(entry, expiresAt);
    if (found !== undefined) return found;
    const signature = signPolicy(cannedPolicyOfSignableUrl(url, expires));
    cache.remember(entry, signature);
    return signature;
  };

  const buildCustom = (opts: PolicyOptions): string =>
    customPolicy({
      resource: opts.resource,
      dateLessThan: opts.expiresAt,
      dateGreaterThan: opts.notBefore,
      ipAddress: opts.ipAddress,
    });

  const policyQuery = (opts: PolicyOptions): string => {
    const policy = buildCustom(opts);
    return `Policy=${cfBase64Encode(policy)}&Key-Pair-Id=${keyId}&Signature=${cachedSignature(policy, opts.expiresAt)}${hashSuffix}`;
  };

  return {
    keyId,
    hashAlgorithm,

    signUrl(url, { expiresAt }) {
      assertSignableUrl(url);
      assertEpoch("expires", expiresAt);
      // As text once: the cache key, the policy and the URL all hold it.
      const expires = String(expiresAt);
      return `${url}${url.includes("?") ? "&" : "?"}Expires=${expires}&Key-Pair-Id=${keyId}&Signature=${cannedSignature(url, expiresAt, expires)}${hashSuffix}`;
    },

    signUrlWithPolicy(url, opts) {
      assertSignableUrl(url);
      if (!matchResource(opts.resource, url)) {
        throw new Error(`policy resource ${opts.resource} does not cover ${url}: the signed URL would always be denied`);
      }
      return join(url, policyQuery(opts));
    },

    policyQuery,

    signedCookies(opts) {
      const policy = buildCustom(opts);
      const cookies: Record<string, string> = {
        [SIGNING_COOKIES.keyPairId]: keyId,
        [SIGNING_COOKIES.signature]: signPolicy(policy),
        [SIGNING_COOKIES.policy]: cfBase64Encode(policy),
      };
      if (hashAlgorithm === "SHA256") cookies[SIGNING_COOKIES.hashAlgorithm] = HASH_ALGORITHM_SHA256;
      return cookies;
    },
  };
}

const join = (url: string, query: string): string => `${url}${url.includes("?") ? "&" : "?"}${query}`;

/** The same URLs, queries and cookies with a fixed placeholder instead of each signature (benchmarks only). */
function noopSigner(keyId: string, hashAlgorithm: HashAlgorithm, hashSuffix: string, signatureLength: number): CloudFrontSigner {
  const signature = "A".repeat(signatureLength);
  const policyQuery = (opts: PolicyOptions): string =>
    `Policy=${cfBase64Encode(customPolicy({ resource: opts.resource, dateLessThan: opts.expiresAt }))}&Key-Pair-Id=${keyId}&Signature=${signature}${hashSuffix}`;
  return {
    keyId,
    hashAlgorithm,
    signUrl: (url, { expiresAt }) => join(url, `Expires=${expiresAt}&Key-Pair-Id=${keyId}&Signature=${signature}${hashSuffix}`),
    signUrlWithPolicy: (url, opts) => join(url, policyQuery(opts)),
    policyQuery,
    signedCookies: (opts) => ({
      [SIGNING_COOKIES.keyPairId]: keyId,
      [SIGNING_COOKIES.signature]: signature,
      [SIGNING_COOKIES.policy]: cfBase64Encode(customPolicy({ resource: opts.resource, dateLessThan: opts.expiresAt })),
      ...(hashAlgorithm === "SHA256" ? { [SIGNING_COOKIES.hashAlgorithm]: HASH_ALGORITHM_SHA256 } : {}),
    }),
  };
}
