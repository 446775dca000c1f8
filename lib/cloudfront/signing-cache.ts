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
 * it signs has expired, and is dropped as the least recently used when the count or the byte
 * bound is reached. Entries are bare signature strings without lru-cache's per-entry TTL: the
 * policy in the key holds the expiry, and the bookkeeping of a TTL cost a few per cent of an
 * ECDSA signature on every miss (ADR 051).
 *
 * Not to be confused with the edge's `SignatureCache` (verify.ts), which caches verification
 * outcomes.
 */
import { createHash, type KeyObject } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { HashAlgorithm } from "./wire";

export interface SigningCacheStats {
  /** Entries held now (an expired one is never served and goes as the least recently used). */
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
  private readonly lru: LRUCache<string, string> | null;
  private readonly scopes = new Map<string, string>();
  private hitCount = 0;
  private missCount = 0;

  /** `maxEntries` 0 turns caching off (every call signs). */
  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 0) throw new Error("SigningCache maxEntries must be an integer >= 0");
    this.maxEntries = maxEntries;
    this.lru =
      maxEntries > 0
        ? new LRUCache({
            max: maxEntries,
            maxSize: maxEntries * ENTRY_BUDGET_BYTES,
            // Characters of the key and the signature (one byte each: ASCII), plus the entry itself.
            sizeCalculation: (signature, key) => key.length + signature.length + 64,
          })
        : null;
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
   * The signature of the policy `key` stands for, in `scope`: from the cache while the policy
   * is still valid, else made by `sign()` and kept until `expiresAt` (epoch seconds, the
   * policy's DateLessThan). `key` must determine the policy's exact bytes (the signer uses the
   * policy itself, or for a canned policy its expiry and URL, which determine it).
   */
  signature(scope: string, key: string, expiresAt: number, sign: () => string): string {
    if (!this.lru) return sign();
    const entry = scope + key;
    const ttl = expiresAt * 1000 - Date.now();
    // The key determines the policy and the policy its expiry (= `expiresAt`): a found
    // signature is valid exactly as long as the policy is.
    const found = ttl > 0 ? this.lru.get(entry) : undefined;
    if (found !== undefined) {
      this.hitCount++;
      return found;
    }
    this.missCount++;
    const signature = sign();
    if (ttl > 0) this.lru.set(entry, signature);
    else this.lru.delete(entry);
    return signature;
  }

  stats(): SigningCacheStats {
    const lookups = this.hitCount + this.missCount;
    return {
      entries: this.lru?.size ?? 0,
      maxEntries: this.maxEntries,
      hits: this.hitCount,
      misses: this.missCount,
      hitRatio: lookups ? this.hitCount / lookups : null,
    };
  }
}
