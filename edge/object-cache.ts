/**
 * The edge's object cache (ADR 037): objects that storage marks immutable (`Cache-Control:
 * ... immutable`, as the worker writes HLS segments and images) are kept in memory, keyed by
 * object key, bounded in bytes (lru-cache `maxSize`), optionally spilled to a disk tier.
 *
 * - Only complete objects up to `maxObjectBytes` with an ETag are cached; everything else is
 *   streamed from storage as before (and remembered as "not cacheable" for `revalidateMs`).
 * - Concurrent misses for one key share one storage GET (`fill`).
 * - Validated by ETag: an entry older than `revalidateMs` is confirmed with a storage HEAD
 *   (one per key at a time) before it is served; a different ETag, a deleted object or a
 *   storage answer with another ETag seen on any other path drops the entry, so an overwrite
 *   is visible within `revalidateMs`.
 *
 * The cache knows nothing about viewers: verification happens before it is consulted.
 */
import type { Readable } from "node:stream";

import { LRUCache } from "lru-cache";

import type { GetObjectResult, ObjectMetadata } from "../lib/storage/s3";
import { DiskTier } from "./disk-tier";
import { cacheDirectives } from "./http";
import type { EdgeStorage } from "./options";

export interface CacheEntry {
  /** The object's own metadata; `contentLength` is the whole object. */
  meta: ObjectMetadata;
  body: Buffer;
  /** When storage last confirmed this ETag (ms, `now()`). */
  checkedAt: number;
}

export interface ObjectCacheOptions {
  /** Memory limit in bytes (bodies). */
  maxBytes: number;
  /** Larger objects are streamed, never cached. Default 16 MiB (at most `maxBytes`). */
  maxObjectBytes?: number;
  /** How long an entry is served without asking storage. Default 60,000 ms; 0 = every time. */
  revalidateMs?: number;
  /** Folder for the disk tier; unset = memory only. */
  diskDir?: string;
  /** Disk tier limit in bytes. Default 1 GiB. */
  diskMaxBytes?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  onError?: (err: unknown) => void;
}

/** A fill either cached the object or hands the storage response to one caller to stream. */
export type FillOutcome = { entry: CacheEntry } | { entry?: undefined; take: () => GetObjectResult | undefined };

export const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/** The object's metadata from a GET result (whole-object size, no body). */
export function metadataOf(result: GetObjectResult): ObjectMetadata {
  const { etag, lastModified, contentType, cacheControl, contentDisposition } = result;
  return { contentLength: result.size, etag, lastModified, contentType, cacheControl, contentDisposition };
}

/** Reads a stream of known length into one buffer (one copy); throws when the length is off. */
async function readExactly(body: Readable, size: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    if (offset + chunk.length > size) throw new Error(`edge cache: object longer than its Content-Length ${size}`);
    chunk.copy(out, offset);
    offset += chunk.length;
  }
  if (offset !== size) throw new Error(`edge cache: object truncated at ${offset} of ${size} bytes`);
  return out;
}

/** Gives the storage response to the first taker; destroyed if nobody takes it. */
function handOver(result: GetObjectResult): FillOutcome {
  let taken = false;
  setImmediate(() => {
    if (!taken) result.body.destroy();
  });
  return {
    take: () => {
      if (taken) return undefined;
      taken = true;
      return result;
    },
  };
}

export class ObjectCache {
  readonly maxBytes: number;
  readonly maxObjectBytes: number;
  readonly revalidateMs: number;
  readonly counters = {
    hits: 0,
    misses: 0,
    /** Storage GETs issued to fill the cache. */
    storageReads: 0,
    /** Misses that joined a fill already in progress. */
    coalesced: 0,
    revalidations: 0,
    /** Entries dropped because storage showed another ETag (or no object). */
    refreshes: 0,
    evictions: 0,
    diskHits: 0,
  };
  private readonly memory: LRUCache<string, CacheEntry>;
  private readonly notCacheable: LRUCache<string, true> | undefined;
  private readonly fills = new Map<string, Promise<FillOutcome>>();
  private readonly checks = new Map<string, Promise<CacheEntry | undefined>>();
  private readonly disk: DiskTier | undefined;
  private readonly now: () => number;
  private readonly onError: (err: unknown) => void;
  private fillingBytes = 0;

  constructor(options: ObjectCacheOptions) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes < 1) throw new Error("ObjectCache: maxBytes must be a positive integer");
    this.maxBytes = options.maxBytes;
    this.maxObjectBytes = Math.min(options.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES, options.maxBytes);
    this.revalidateMs = options.revalidateMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? ((err) => console.error("edge cache:", err));
    this.disk = options.diskDir ? new DiskTier(options.diskDir, options.diskMaxBytes ?? 1024 ** 3, this.onError) : undefined;
    this.memory = new LRUCache<string, CacheEntry>({
      maxSize: this.maxBytes,
      sizeCalculation: (entry) => Math.max(1, entry.body.length),
      dispose: (entry, key, reason) => {
        if (reason !== "evict") return;
        this.counters.evictions++;
        this.disk?.put(key, entry).catch(this.onError);
      },
    });
    this.notCacheable = this.revalidateMs > 0 ? new LRUCache<string, true>({ max: 10_000, ttl: this.revalidateMs }) : undefined;
  }

  /** Immutable per storage, with an ETag, small enough. */
  isCacheable(meta: ObjectMetadata): boolean {
    return Boolean(meta.etag) && meta.contentLength <= this.maxObjectBytes && cacheDirectives(meta.cacheControl).includes("immutable");
  }

  /** Seen recently as not cacheable: serve it straight from storage without trying to fill. */
  knownNotCacheable(key: string): boolean {
    return this.notCacheable?.has(key) ?? false;
  }

  /** The entry for `key` (memory, then disk), revalidated with storage when due. */
  async lookup(key: string, storage: EdgeStorage): Promise<CacheEntry | undefined> {
    let entry = this.memory.get(key);
    if (!entry && this.disk) {
      entry = await this.disk.take(key);
      if (entry) {
        this.counters.diskHits++;
        if (!this.memory.has(key)) this.memory.set(key, entry);
      }
    }
    if (!entry) return undefined;
    if (this.now() - entry.checkedAt < this.revalidateMs) return entry;
    return this.revalidate(key, entry, storage);
  }

  private revalidate(key: string, entry: CacheEntry, storage: EdgeStorage): Promise<CacheEntry | undefined> {
    const pending = this.checks.get(key);
    if (pending) return pending;
    const check = (async () => {
      this.counters.revalidations++;
      let head: ObjectMetadata | null;
      try {
        head = await storage.headObject(key);
      } catch (err) {
        // Storage failing: the object is immutable, serve it and ask again next time.
        this.onError(err);
        return entry;
      }
      if (head && head.etag === entry.meta.etag && this.isCacheable(head)) {
        entry.meta = head;
        entry.checkedAt = this.now();
        return entry;
      }
      this.counters.refreshes++;
      this.invalidate(key, entry);
      return undefined;
    })().finally(() => this.checks.delete(key));
    this.checks.set(key, check);
    return check;
  }

  /** Drops the entry for `key` (only `expected` when given, so a newer fill survives). */
  private invalidate(key: string, expected?: CacheEntry): void {
    if (expected === undefined || this.memory.peek(key) === expected) this.memory.delete(key);
    this.disk?.delete(key);
  }

  /**
   * Reads the whole object once for every concurrent caller. Cacheable: stored and returned
   * as an entry. Otherwise the storage response goes to the first caller that takes it (the
   * others serve from storage themselves).
   */
  fill(key: string, storage: EdgeStorage): Promise<FillOutcome> {
    const pending = this.fills.get(key);
    if (pending) {
      this.counters.coalesced++;
      return pending;
    }
    const fill = this.load(key, storage).finally(() => this.fills.delete(key));
    this.fills.set(key, fill);
    return fill;
  }

  private async load(key: string, storage: EdgeStorage): Promise<FillOutcome> {
    this.counters.storageReads++;
    const result = await storage.getObject(key);
    const meta = metadataOf(result);
    if (!this.isCacheable(meta)) {
      this.notCacheable?.set(key, true);
      return handOver(result);
    }
    // Bodies being read count against the limit too: memory stays within maxBytes (+ one object).
    if (result.status !== 200 || this.fillingBytes + meta.contentLength > this.maxBytes) return handOver(result);
    this.fillingBytes += meta.contentLength;
    try {
      const entry: CacheEntry = { meta, body: await readExactly(result.body, meta.contentLength), checkedAt: this.now() };
      this.memory.set(key, entry);
      return { entry };
    } finally {
      this.fillingBytes -= meta.contentLength;
    }
  }

  /**
   * Metadata storage showed for `key` on the streaming path: another ETag drops the cached
   * entry; a cacheable object not cached yet is filled in the background.
   */
  observe(key: string, meta: ObjectMetadata, storage: EdgeStorage): void {
    const cached = this.memory.peek(key);
    if (cached && cached.meta.etag !== meta.etag) {
      this.counters.refreshes++;
      this.invalidate(key, cached);
    }
    if (!this.isCacheable(meta)) {
      this.notCacheable?.set(key, true);
      return;
    }
    if (this.memory.has(key) || this.fills.has(key)) return;
    this.fill(key, storage).then(
      (outcome) => outcome.entry ?? outcome.take()?.body.destroy(),
      () => {}, // the viewers' own requests report storage failures
    );
  }

  stats() {
    return {
      ...this.counters,
      entries: this.memory.size,
      bytes: this.memory.calculatedSize,
      maxBytes: this.maxBytes,
      maxObjectBytes: this.maxObjectBytes,
      revalidateMs: this.revalidateMs,
      fillsInFlight: this.fills.size,
      disk: this.disk ? { entries: this.disk.entries, bytes: this.disk.bytes, writes: this.disk.writes, evictions: this.disk.evictions } : null,
    };
  }

  /** Empties memory and deletes the disk tier's folder. */
  close(): void {
    this.memory.clear();
    this.disk?.close();
  }
}
