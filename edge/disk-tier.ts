/**
 * Optional second tier of the edge object cache: entries evicted from memory are written to
 * files in a private folder (one per process, removed on close) and read back on a memory
 * miss. Its own byte limit; least recently used files are deleted first. Not persistent: the
 * index lives in memory, so a restarted edge starts empty (ADR 037).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";

import { LRUCache } from "lru-cache";

import type { CacheEntry } from "./object-cache";

interface DiskRecord {
  file: string;
  entry: Omit<CacheEntry, "body">;
  size: number;
}

export class DiskTier {
  private readonly dir: string;
  private readonly index: LRUCache<string, DiskRecord>;
  private seq = 0;
  writes = 0;
  evictions = 0;

  constructor(root: string, maxBytes: number, onError: (err: unknown) => void) {
    fs.mkdirSync(root, { recursive: true });
    this.dir = fs.mkdtempSync(path.join(root, "edge-cache-"));
    this.index = new LRUCache<string, DiskRecord>({
      maxSize: maxBytes,
      sizeCalculation: (r) => Math.max(1, r.size),
      dispose: (record, _key, reason) => {
        if (reason === "evict") this.evictions++;
        fsp.unlink(record.file).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== "ENOENT") onError(err);
        });
      },
    });
  }

  get bytes(): number {
    return this.index.calculatedSize;
  }

  get entries(): number {
    return this.index.size;
  }

  /** Writes the entry (async); it is findable once written. Too large for the tier: dropped. */
  async put(key: string, entry: CacheEntry): Promise<void> {
    if (entry.body.length > this.index.maxSize) return;
    const digest = createHash("sha256").update(key).digest("hex").slice(0, 32);
    const file = path.join(this.dir, `${digest}-${++this.seq}`);
    await fsp.writeFile(file, entry.body);
    this.writes++;
    const { body: _body, ...rest } = entry;
    this.index.set(key, { file, entry: rest, size: entry.body.length });
  }

  /** Reads the entry back and removes it from this tier (the caller promotes it to memory). */
  async take(key: string): Promise<CacheEntry | undefined> {
    const record = this.index.get(key);
    if (!record) return undefined;
    let body: Buffer;
    try {
      body = await fsp.readFile(record.file);
    } catch {
      this.index.delete(key);
      return undefined;
    }
    // A newer write for the same key may have replaced the record meanwhile.
    if (this.index.get(key) === record) this.index.delete(key);
    if (body.length !== record.size) return undefined;
    return { ...record.entry, body };
  }

  delete(key: string): void {
    this.index.delete(key);
  }

  /** Deletes every file and the folder. */
  close(): void {
    this.index.clear();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
