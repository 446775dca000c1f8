/**
 * The edge's object cache (ADR 037) against the embedded storage server: one storage read for
 * a hot immutable segment, Range/HEAD/304 from memory, size and byte limits, ETag
 * revalidation after an overwrite, the disk tier, and verification before every cached answer.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import type http from "node:http";
import os from "node:os";
import path from "node:path";

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

import { createEdgeServer, ObjectCache } from "@/edge/server";
import type { ObjectCacheOptions } from "@/edge/object-cache";
import type { CloudFrontSigner } from "@/lib/cloudfront/signer";
import {
  BASE,
  closeServer,
  httpRequest,
  listen,
  pemPair,
  recordingStorage,
  signerFor,
  startStorageFixture,
  type StorageCall,
  type StorageFixture,
} from "@/tests/support/edge-fixture";

const IMMUTABLE = "max-age=31536000, immutable"; // what worker/plan.ts cacheControlFor writes for segments
const DIR = "courses/c1/lessons/l1/video/a1";
const HOT = `${DIR}/720p/seg_00001.ts`;
const PLAYLIST = `${DIR}/720p/index.m3u8`;
const LARGE = `${DIR}/1080p/seg_00001.ts`;
const SMALL = [1, 2, 3, 4].map((i) => `${DIR}/360p/seg_0000${i}.ts`);
const REPLACED = `${DIR}/poster.jpg`;

const HOT_BODY = crypto.randomBytes(1024 * 1024);
const LARGE_BODY = crypto.randomBytes(3 * 1024 * 1024);
const SMALL_BODIES = SMALL.map(() => crypto.randomBytes(400 * 1024));

let fixture: StorageFixture;
let signer: CloudFrontSigner;
let trustedKeys: ReturnType<typeof signerFor>["trustedKeys"];
let clockMs = Date.now();
const open: http.Server[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fixture = await startStorageFixture();
  const put = (key: string, body: Buffer, cacheControl: string, contentType = "video/mp2t") =>
    fixture.storage.putObject(key, body, { contentType, cacheControl });
  await put(HOT, HOT_BODY, IMMUTABLE);
  await put(PLAYLIST, Buffer.from("#EXTM3U\n#EXTINF:4,\nseg_00001.ts\n"), "max-age=60", "application/vnd.apple.mpegurl");
  await put(LARGE, LARGE_BODY, IMMUTABLE);
  for (const [i, key] of SMALL.entries()) await put(key, SMALL_BODIES[i], IMMUTABLE);
  ({ signer, trustedKeys } = signerFor(pemPair().privateKeyPem));
});

afterEach(async () => {
  for (const s of open.splice(0)) await closeServer(s);
});

afterAll(async () => {
  await fixture?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** An edge with its own cache and a record of every storage call it makes. */
async function cachedEdge(options: Partial<ObjectCacheOptions> = {}) {
  const calls: StorageCall[] = [];
  const cache = new ObjectCache({ maxBytes: 8 * 1024 * 1024, maxObjectBytes: 2 * 1024 * 1024, now: () => clockMs, ...options });
  const server = createEdgeServer({
    trustedKeys,
    storage: recordingStorage(fixture.storage, calls),
    publicBaseUrl: BASE,
    corsOrigins: [],
    publicPrefixes: ["public/"],
    objectCache: cache,
    onError: () => {},
  });
  open.push(server);
  const port = await listen(server);
  const get = (target: string, init: { method?: string; headers?: Record<string, string> } = {}) => httpRequest(port, target, init);
  return { cache, calls, port, get };
}

const signed = (key: string) => signer.signUrl(`${BASE}/${key}`, { expiresAt: Math.floor(Date.now() / 1000) + 3600 });
const ops = (calls: StorageCall[]) => calls.map((c) => `${c.op} ${c.key}`);

describe("object cache", () => {
  it("a hot immutable segment requested 100 times (50 at once, then 50 in a row) is read from storage once", async () => {
    const { cache, calls, get } = await cachedEdge();
    const url = signed(HOT);
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => get(url)));
    const sequential = [];
    for (let i = 0; i < 50; i++) sequential.push(await get(url));
    for (const res of [...concurrent, ...sequential]) {
      expect(res.status).toBe(200);
      expect(res.body.equals(HOT_BODY)).toBe(true);
    }
    expect(ops(calls)).toEqual([`get ${HOT}`]);
    const stats = cache.stats();
    expect(stats).toMatchObject({ storageReads: 1, entries: 1, bytes: HOT_BODY.length });
    // Every miss but the first joined that one read (how many of the 50 arrive before it ends varies).
    expect(stats.hits + stats.misses).toBe(100);
    expect(stats.coalesced).toBe(stats.misses - 1);
    // Same headers as the storage path: private rewrite, validators, type.
    const res = sequential[0];
    expect(res.headers["cache-control"]).toBe("private, max-age=31536000, immutable");
    expect(res.headers["content-type"]).toBe("video/mp2t");
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(res.headers["content-length"]).toBe(String(HOT_BODY.length));
    expect(res.headers["accept-ranges"]).toBe("bytes");
  });

  it("Range, HEAD, 304 and 416 from the cache without a storage call", async () => {
    const { calls, get } = await cachedEdge();
    const url = signed(HOT);
    const first = await get(url);
    const etag = String(first.headers.etag);
    calls.length = 0;
    const size = HOT_BODY.length;

    const bounded = await get(url, { headers: { Range: "bytes=1000-1999" } });
    expect(bounded.status).toBe(206);
    expect(bounded.headers["content-range"]).toBe(`bytes 1000-1999/${size}`);
    expect(bounded.body.equals(HOT_BODY.subarray(1000, 2000))).toBe(true);
    const suffix = await get(url, { headers: { Range: "bytes=-500" } });
    expect(suffix.body.equals(HOT_BODY.subarray(size - 500))).toBe(true);
    const open = await get(url, { headers: { Range: `bytes=${size - 10}-` } });
    expect(open.headers["content-range"]).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(open.body.equals(HOT_BODY.subarray(size - 10))).toBe(true);

    const head = await get(url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(size));
    expect(head.body.length).toBe(0);

    const notModified = await get(url, { headers: { "If-None-Match": etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers.etag).toBe(etag);
    expect((await get(url, { headers: { "If-Modified-Since": String(first.headers["last-modified"]) } })).status).toBe(304);
    const changed = await get(url, { headers: { Range: "bytes=0-9", "If-Range": '"stale"' } });
    expect(changed.status).toBe(200);
    expect(changed.body.equals(HOT_BODY)).toBe(true);
    const unsatisfiable = await get(url, { headers: { Range: `bytes=${size}-` } });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers["content-range"]).toBe(`bytes */${size}`);

    expect(calls).toEqual([]);
  });

  it("verification still applies to cached objects", async () => {
    const { calls, get } = await cachedEdge();
    expect((await get(signed(HOT))).status).toBe(200);
    calls.length = 0;
    const unsigned = await get(`/${HOT}`);
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.toString()).toContain("<Code>MissingKey</Code>");
    const expired = signer.signUrl(`${BASE}/${HOT}`, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    expect((await get(expired)).status).toBe(403);
    const sibling = signer.policyQuery({ resource: `${BASE}/courses/c1/lessons/l2/*`, expiresAt: Math.floor(Date.now() / 1000) + 60 });
    expect((await get(`/${HOT}?${sibling}`)).status).toBe(403);
    expect((await get(`/${HOT}`, { headers: { "If-None-Match": "*", Range: "bytes=0-0" } })).status).toBe(403);
    expect(calls).toEqual([]);
  });

  it("objects over the size limit and objects not marked immutable are streamed, not cached", async () => {
    const { cache, calls, get } = await cachedEdge();
    for (let i = 0; i < 2; i++) {
      const large = await get(signed(LARGE));
      expect(large.body.equals(LARGE_BODY)).toBe(true);
      expect((await get(signed(PLAYLIST))).status).toBe(200);
    }
    expect(ops(calls)).toEqual([`get ${LARGE}`, `get ${PLAYLIST}`, `get ${LARGE}`, `get ${PLAYLIST}`]);
    expect(cache.stats()).toMatchObject({ entries: 0, bytes: 0, storageReads: 2 }); // the second round knew better than to try
  });

  it("the byte limit evicts the least recently used objects", async () => {
    const { cache, calls, get } = await cachedEdge({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 * 1024 });
    for (const [i, key] of SMALL.entries()) expect((await get(signed(key))).body.equals(SMALL_BODIES[i])).toBe(true);
    const stats = cache.stats();
    expect(stats.bytes).toBeLessThanOrEqual(1024 * 1024);
    expect(stats.entries).toBe(2);
    expect(stats.evictions).toBe(2);
    calls.length = 0;
    expect((await get(signed(SMALL[3]))).body.equals(SMALL_BODIES[3])).toBe(true); // still cached
    expect((await get(signed(SMALL[0]))).body.equals(SMALL_BODIES[0])).toBe(true); // evicted: read again
    expect(ops(calls)).toEqual([`get ${SMALL[0]}`]);
  });

  it("evicted entries go to the disk tier and come back from it", async () => {
    const diskDir = fs.mkdtempSync(path.join(os.tmpdir(), "edge-cache-disk-"));
    dirs.push(diskDir);
    const { cache, calls, get } = await cachedEdge({ maxBytes: 1024 * 1024, maxObjectBytes: 1024 * 1024, diskDir, diskMaxBytes: 4 * 1024 * 1024 });
    for (const key of SMALL) await get(signed(key));
    await expect.poll(() => cache.stats().disk?.entries, { timeout: 5_000 }).toBe(2);
    calls.length = 0;
    expect((await get(signed(SMALL[0]))).body.equals(SMALL_BODIES[0])).toBe(true);
    expect(calls).toEqual([]);
    expect(cache.stats().diskHits).toBe(1);
    cache.close();
    expect(fs.readdirSync(diskDir)).toEqual([]); // the process's folder is gone
  });

  it("an overwritten object (same key, new bytes) is served fresh once the revalidation interval has passed", async () => {
    const v1 = crypto.randomBytes(50_000);
    const v2 = crypto.randomBytes(60_000);
    await fixture.storage.putObject(REPLACED, v1, { contentType: "image/jpeg", cacheControl: IMMUTABLE });
    const { cache, calls, get } = await cachedEdge({ revalidateMs: 60_000 });
    const url = signed(REPLACED);
    expect((await get(url)).body.equals(v1)).toBe(true);

    await fixture.storage.putObject(REPLACED, v2, { contentType: "image/jpeg", cacheControl: IMMUTABLE });
    calls.length = 0;
    clockMs += 59_000;
    expect((await get(url)).body.equals(v1)).toBe(true); // within the interval: no storage round trip
    expect(calls).toEqual([]);

    clockMs += 1_000;
    const fresh = await get(url);
    expect(fresh.body.equals(v2)).toBe(true);
    expect(ops(calls)).toEqual([`head ${REPLACED}`, `get ${REPLACED}`]);
    expect(cache.stats()).toMatchObject({ revalidations: 1, refreshes: 1 });

    calls.length = 0;
    expect((await get(url)).body.equals(v2)).toBe(true);
    clockMs += 60_000;
    expect((await get(url)).body.equals(v2)).toBe(true); // revalidated: same ETag, kept
    expect(ops(calls)).toEqual([`head ${REPLACED}`]);
  });

  it("a deleted object stops being served after revalidation", async () => {
    const key = `${DIR}/thumbs/t1.jpg`;
    await fixture.storage.putObject(key, crypto.randomBytes(1000), { contentType: "image/jpeg", cacheControl: IMMUTABLE });
    const { get } = await cachedEdge({ revalidateMs: 1_000 });
    expect((await get(signed(key))).status).toBe(200);
    await fixture.storage.deleteObject(key);
    clockMs += 1_000;
    const res = await get(signed(key));
    expect(res.status).toBe(403);
    expect(res.body.toString()).toContain("Access Denied");
  });

  it("a signed download name applies to the cached object too (canned policy)", async () => {
    const { calls, get } = await cachedEdge();
    await get(signed(HOT));
    calls.length = 0;
    const disposition = 'attachment; filename="seg.ts"';
    const url = signer.signUrl(`${BASE}/${HOT}?response-content-disposition=${encodeURIComponent(disposition)}`, {
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    });
    const res = await get(url);
    expect(res.headers["content-disposition"]).toBe(disposition);
    expect(res.body.equals(HOT_BODY)).toBe(true);
    expect(calls).toEqual([]);
  });

  it("a ranged first request streams from storage and fills the cache in the background", async () => {
    const { cache, calls, get } = await cachedEdge();
    const res = await get(signed(HOT), { headers: { Range: "bytes=0-99" } });
    expect(res.status).toBe(206);
    expect(res.body.equals(HOT_BODY.subarray(0, 100))).toBe(true);
    await expect.poll(() => cache.stats().entries).toBe(1);
    expect(ops(calls)).toEqual([`get ${HOT}`, `get ${HOT}`]);
  });

  it("/_edge/metrics reports the counters and the process RSS", async () => {
    const { port, get } = await cachedEdge();
    await get(signed(HOT));
    await get(signed(HOT));
    const metrics = JSON.parse((await httpRequest(port, "/_edge/metrics")).body.toString());
    expect(metrics.rss).toBeGreaterThan(0);
    expect(metrics.storage).toEqual({ gets: 1, heads: 0 });
    expect(metrics.cache).toMatchObject({ hits: 1, misses: 1, storageReads: 1, evictions: 0, bytes: HOT_BODY.length, entries: 1 });
  });

  it("/_edge/metrics reports the event loop's delay: a stall of the process shows in its max", async () => {
    const { port } = await cachedEdge();
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // The edge runs in this process: its loop is stalled too.
    }
    await new Promise((r) => setTimeout(r, 30));
    const { eventLoopDelayMs } = JSON.parse((await httpRequest(port, "/_edge/metrics")).body.toString());
    expect(eventLoopDelayMs.max).toBeGreaterThanOrEqual(100);
    expect(eventLoopDelayMs.p50).toBeGreaterThan(0);
    expect(eventLoopDelayMs.p99).toBeGreaterThanOrEqual(eventLoopDelayMs.p50);
  });
});

describe("EDGE_VERIFY=off (benchmarks)", () => {
  it("serves without a signature when the edge is created with verify: false", async () => {
    const server = createEdgeServer({ trustedKeys, storage: fixture.storage, publicBaseUrl: BASE, corsOrigins: [], publicPrefixes: [], verify: false });
    open.push(server);
    const port = await listen(server);
    const res = await httpRequest(port, `/${HOT}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(HOT_BODY)).toBe(true);
  });
});
