/**
 * Signatures the app already made, so that a page rendered again while its URLs are the same
 * (canned URLs with a windowed expiry, lesson folder policies) signs nothing: ADR 050.
 *
 * A signature depends only on the key, the hash algorithm and the exact policy bytes (which
 * hold the resource and the expiry). RSA PKCS#1 v1.5 signatures are deterministic; ECDSA ones
 * are randomised, but any valid signature of a policy stays valid for that policy, so reusing
 * the first one is just as correct (and keeps the URL stable for browser caches). Entries are
 * keyed by (key id, public key fingerprint, hash algorithm, policy): a key change, even under
 * the same id, never finds another key's signature. An entry is never served once the policy
 * it signs has expired. The bound (count, and bytes at ENTRY_BUDGET_BYTES per entry) is kept by
 * two generations of plain Maps (ADR 056): a miss costs two lookups and one insertion, with no
 * recency list to maintain, and what is used again survives; lru-cache's bookkeeping, and
 * before it a per-entry TTL, cost a few per cent of an ECDSA signature on every miss (ADR 051).
 *
 * Not to be confused with the edge's `SignatureCache` (verify.ts), which caches verification
 * outcomes.
 */
import { createHash, type KeyObject } from "node:crypto";
import type { HashAlgorithm } from "./wire";

export interface SigningCacheStats {
  /** Entries held now (an expired one is never served and leaves with its generation). */
  entries: number;
  /** The bound (`SIGNATURE_CACHE_ENTRIES`); 0 = caching off. */
  maxEntries: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses), null before the first lookup. */
  hitRatio: number | null;
}

/** The key a signature is made with: its id and its public key's SPKI fingerprint. */
export interface SigningIdentity {
  readonly id: string;
  readonly fingerprint: string;
}

export function signingIdentity(id: string, publicKey: KeyObject): SigningIdentity {
  const fingerprint = createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("base64");
  return { id, fingerprint };
}

/**
 * What identifies a signing key and algorithm, as one string: the id is 1-128 characters of
 * `A-Z a-z 0-9 . _ -` (key ring), the fingerprint fixed-length base64 and the algorithm a fixed
 * word, so the `\n`-joined string is unambiguous.
 */
function scopeName(identity: SigningIdentity, hash: HashAlgorithm): string {
  return `${identity.id}\n${identity.fingerprint}\n${hash}`;
}

/** Memory an entry may take on average: the count bound applies first unless URLs are very long. */
export const ENTRY_BUDGET_BYTES = 1024;

export class SigningCache {
  readonly maxEntries: number;
  /**
   * Two generations: entries go to `recent`; when it holds half the bound (count or bytes), it
   * becomes `older` and the previous `older` is dropped whole. A hit in `older` moves the entry
   * to `recent`, so what pages keep using stays. At most `maxEntries` entries (one when the
   * bound is 1) and `maxEntries * ENTRY_BUDGET_BYTES` bytes.
   */
  private recent = new Map<string, string>();
  private older = new Map<string, string>();
  private recentBytes = 0;
  private readonly generationEntries: number;
  private readonly generationBytes: number;
  private readonly scopes = new Map<string, string>();
  private hitCount = 0;
  private missCount = 0;

  /** `maxEntries` 0 turns caching off (every call signs). */
  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new Error("SigningCache maxEntries must be an integer >= 0");
    this.maxEntries = maxEntries;
    this.generationEntries = Math.floor(maxEntries / 2);
    this.generationBytes = this.generationEntries * ENTRY_BUDGET_BYTES;
  }

  /**
   * The short prefix of this cache's keys for one signing key and hash algorithm (a number
   * given on first use): a signer asks once, so that entries do not each carry the key id and
   * fingerprint (ADR 051).
   */
  scope(identity: SigningIdentity, hash: HashAlgorithm): string {
    const name = scopeName(identity, hash);
    let scope = this.scopes.get(name);
    if (scope === undefined) {
      scope = `${this.scopes.size}\n`;
      this.scopes.set(name, scope);
    }
    return scope;
  }

  /**
   * The signature kept for `entry` (a scope, then what determines the policy's exact bytes: the
   * policy itself, or for a canned policy its expiry and URL) while the policy is valid, i.e.
   * before `expiresAt` (epoch seconds, its DateLessThan); undefined (a miss) otherwise. Counts
   * the hit or miss. No callback: the signer signs on a miss and calls `keep` (no closure to
   * allocate per signature).
   */
  lookup(entry: string, expiresAt: number): string | undefined {
    if (this.maxEntries === 0) return undefined;
    let found = this.recent.get(entry);
    if (found === undefined) {
      found = this.older.get(entry);
      if (found !== undefined) {
        this.older.delete(entry);
        this.recent.set(entry, found);
      }
    }
    // The entry determines the policy and the policy its expiry (= `expiresAt`): a found
    // signature is valid exactly as long as the policy is.
    if (found !== undefined && expiresAt * 1000 > Date.now()) {
      this.hitCount++;
      return found;
    }
    this.missCount++;
    return undefined;
  }

  /**
   * Keeps `signature` for `entry` after a `lookup` missed (nothing when caching is off). Not
   * checked for expiry again: `lookup` never answers an expired policy's signature.
   */
  remember(entry: string, signature: string): void {
    if (this.maxEntries > 0) this.keep(entry, signature);
  }

  /** `lookup`, else `sign()` and `remember` (convenience for callers off the hot path). */
  signature(entry: string, expiresAt: number, sign: () => string): string {
    const found = this.lookup(entry, expiresAt);
    if (found !== undefined) return found;
    const signature = sign();
    this.remember(entry, signature);
    return signature;
  }

  private keep(entry: string, signature: string): void {
    const bytes = entry.length + signature.length + 64;
    if (this.recent.size >= Math.max(1, this.generationEntries) || this.recentBytes + bytes > Math.max(bytes, this.generationBytes)) {
      this.older = this.recent;
      this.recent = new Map();
      this.recentBytes = 0;
      if (this.generationEntries === 0) this.older.clear();
    }
    this.recent.set(entry, signature);
    this.recentBytes += bytes;
  }

  stats(): SigningCacheStats {
    const lookups = this.hitCount + this.missCount;
    return {
      entries: this.recent.size + this.older.size,
      maxEntries: this.maxEntries,
      hits: this.hitCount,
      misses: this.missCount,
      hitRatio: lookups ? this.hitCount / lookups : null,
    };
  }
}
