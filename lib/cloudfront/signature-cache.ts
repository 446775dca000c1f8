/**
 * The edge's verification cache, two tiers in one bounded object (ADR 017, ADR 054):
 *
 * 1. Crypto outcomes (`get`/`set`): the boolean result of the RSA/ECDSA check, keyed by a
 *    SHA-256 digest of (key id, key fingerprint, hash algorithm, exact policy bytes, signature
 *    bytes). Both outcomes are kept; an entry is ~100 bytes whatever the policy size.
 * 2. Verified policies (`getVerified`/`setVerified`): for credentials that have already passed
 *    every check that depends on them alone (signature encoding, policy decoding and strict
 *    parsing, the signature itself), the parsed policy, keyed by the credentials' raw text and
 *    bound to the trusted `KeyObject` they verified against. A repeat viewer's request then
 *    skips base64, JSON and the digest; expiry, not-before, resource and IP are still checked
 *    on every request by the caller. Only successes enter this tier, so junk cannot fill it,
 *    and it is bounded in entries and in characters.
 *
 * Pure (no I/O). `hits` counts answers from either tier, `misses` digest-tier misses.
 */
import type { KeyObject } from "node:crypto";

import type { ParsedPolicy } from "./policy";

/** A policy whose signature verified under `key`. */
export interface VerifiedPolicy {
  key: KeyObject;
  policy: ParsedPolicy;
}

/** Characters of verified-tier keys kept at most (legitimate cookie policies are ~200). */
export const VERIFIED_MAX_CHARS = 8 * 1024 * 1024;

export class SignatureCache {
  readonly maxEntries: number;
  private readonly entries = new Map<string, boolean>();
  private readonly verified = new Map<string, VerifiedPolicy>();
  private verifiedChars = 0;
  hits = 0;
  misses = 0;

  constructor(maxEntries = 10_000) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error("SignatureCache maxEntries must be a positive integer");
    this.maxEntries = maxEntries;
  }

  /** Entries of the crypto-outcome tier. */
  get size(): number {
    return this.entries.size;
  }

  /** Entries of the verified-policy tier. */
  get verifiedSize(): number {
    return this.verified.size;
  }

  get(key: string): boolean | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Refresh recency: Map iteration order is insertion order.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: boolean): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /**
   * The verified policy for `id`, only when it verified under this very `key` (a key replaced
   * under the same id is a miss, and the digest tier then decides).
   */
  getVerified(id: string, key: KeyObject): ParsedPolicy | undefined {
    const entry = this.verified.get(id);
    if (entry === undefined || entry.key !== key) return undefined;
    this.hits++;
    this.verified.delete(id);
    this.verified.set(id, entry);
    return entry.policy;
  }

  setVerified(id: string, key: KeyObject, policy: ParsedPolicy): void {
    if (id.length > VERIFIED_MAX_CHARS / 64) return; // a giant policy is not worth keeping
    if (this.verified.delete(id)) this.verifiedChars -= id.length;
    this.verified.set(id, { key, policy });
    this.verifiedChars += id.length;
    while (this.verified.size > this.maxEntries || this.verifiedChars > VERIFIED_MAX_CHARS) {
      const oldest = this.verified.keys().next().value as string;
      this.verified.delete(oldest);
      this.verifiedChars -= oldest.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.verified.clear();
    this.verifiedChars = 0;
    this.hits = 0;
    this.misses = 0;
  }
}
