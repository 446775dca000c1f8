/**
 * The local edge as a CDN (issue 11, item 4): 1 MiB HLS segments of a lesson, requested with
 * the lesson folder's signed cookies (signed by the app's signer with the default ECDSA key),
 * 50 connections:
 *  - against nginx serving the same bytes from disk (sendfile, one worker process like the
 *    single-process edge): ≥ 0.30 of its rate;
 *  - against the same edge with verification switched off (EDGE_VERIFY=off): overhead ≤ 10 %;
 *    the two edges run side by side in each round, in alternating order (ABBA), and the ratio
 *    is the median of the per-round ratios; each edge's CPU time per request (/proc) is kept
 *    too, a figure a busy neighbour hardly moves;
 *  - storage reads per 1,000 requests while warm (from /_edge/metrics): at most one per
 *    distinct object;
 *  - a soak at 200 connections (60 s; quick: 2 s): every response inside 2 s (wrk's timeout at
 *    2 s counts the late ones), and flat RSS (sampled from /proc every second): at the end at
 *    most 64 MiB above the start, after the warm-up and the comparisons. nginx gets the same
 *    soak, reported next to it as context (the load generator and the machine are shared).
 * The segments are written as the worker writes them (immutable Cache-Control), so the edge
 * caches them (ADR 037). The load generator shares the 2 cores with the server it measures:
 * each server is measured alone, in turns, with wrk on 2 threads.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createKeyRing, parseKeyRingEnv } from "@/lib/cloudfront/keyring";
import { createCloudFrontSigner } from "@/lib/cloudfront/signer";
import { encodeUrlPath } from "@/lib/cloudfront/encode";
import { lessonFolder, objectKeyToUrlPath } from "@/lib/storage/keys";
import { createStorage } from "@/lib/storage/s3";
import { cacheControlFor } from "@/worker/plan";
import { expectPage } from "./lib/http";
import { medianRun, sleep } from "./lib/measure";
import { cpuSecondsWithChildren, rssOf } from "./lib/processes";
import { check, compareRounds, figure, type Bench, type BenchResult } from "./lib/result";
import { errorCount, runWrk, type WrkResult } from "./lib/wrk";

const SEGMENTS = 8;
const SEGMENT_BYTES = 1024 * 1024;
const CONNECTIONS = 50;
const SOAK_CONNECTIONS = 200;
const THREADS = 2;
const MiB = 1024 * 1024;
/** "Flat": RSS at the end of the soak at most this much above its start. */
export const FLAT_RSS_BYTES = 64 * MiB;

interface Metrics {
  storage: { gets: number; heads: number };
  rss: number;
}

async function metrics(url: string): Promise<Metrics> {
  return JSON.parse((await expectPage(`${url}/_edge/metrics`)).body) as Metrics;
}

/** RSS of `pid` every second while `during` runs: start, peak, end. */
async function sampleRss<T>(pid: number, during: Promise<T>): Promise<{ value: T; start: number; peak: number; end: number }> {
  const start = rssOf(pid) ?? 0;
  let peak = start;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await sleep(1000);
      peak = Math.max(peak, rssOf(pid) ?? 0);
    }
  })();
  try {
    const value = await during;
    return { value, start, peak, end: rssOf(pid) ?? 0 };
  } finally {
    done = true;
    await sampler;
  }
}

export const edge: Bench = async (ctx) => {
  const { stack } = ctx;
  const [lesson, storage, keys] = await Promise.all([stack.lesson(), stack.storage(), stack.keys()]);
  const [verified, unverified, nginx] = [await stack.edge(true), await stack.edge(false), await stack.nginx()];

  // The segments, in storage as the worker writes them and on disk for nginx.
  const store = createStorage(storage.settings);
  const keysWritten: string[] = [];
  try {
    for (let i = 1; i <= SEGMENTS; i++) {
      const relative = `720p/seg_${String(i).padStart(5, "0")}.ts`;
      const key = `${lesson.videoFolder}${relative}`;
      const bytes = crypto.randomBytes(SEGMENT_BYTES);
      await store.putObject(key, bytes, { contentType: "video/mp2t", cacheControl: cacheControlFor(relative) });
      const file = path.join(nginx.root, key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      keysWritten.push(key);
    }
  } finally {
    store.destroy();
  }
  const paths = keysWritten.map(objectKeyToUrlPath);

  // The lesson folder's signed cookies, as lib/media/delivery.ts issues them to the player.
  const keyRing = createKeyRing(parseKeyRingEnv({ CLOUDFRONT_KEY_PAIR_ID: keys.ecdsa.id, CLOUDFRONT_PRIVATE_KEY_PATH: keys.ecdsa.file }));
  const signer = createCloudFrontSigner({ keyRing, hashAlgorithm: "SHA1" });
  const folder = lessonFolder(lesson.courseId, lesson.lessonId);
  const cookies = signer.signedCookies({ resource: `${stack.mediaBaseUrl}/${encodeUrlPath(folder)}*`, expiresAt: Math.floor(Date.now() / 1000) + 3600 });
  const Cookie = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join("; ");

  // Correctness first: the edge refuses the segment without cookies and serves the same bytes with them.
  await expectPage(verified.url + paths[0], {}, 403);
  const served = await expectPage(verified.url + paths[0], { Cookie });
  if (served.bytes !== SEGMENT_BYTES) throw new Error(`bench: the edge served ${served.bytes} bytes, expected ${SEGMENT_BYTES}`);

  const load = (origin: string, seconds: number, connections = CONNECTIONS, timeoutSeconds?: number) =>
    runWrk({ origin, paths, connections, threads: THREADS, seconds, headers: { Cookie }, timeoutSeconds });
  ctx.log("edge: warming the edges and nginx");
  for (const origin of [verified.url, unverified.url, nginx.url]) await load(origin, ctx.quick ? 1 : 3);

  const before = await metrics(verified.url);
  const rounds = ctx.quick ? 1 : 5;
  ctx.log(`edge: ${rounds} round(s) of ${ctx.seconds} s against the unverified edge and nginx`);
  /** A load run with the CPU time the server process spent on it, per request. */
  const measured = async (origin: string, pid: number) => {
    const cpu0 = cpuSecondsWithChildren(pid) ?? 0;
    const r = await load(origin, ctx.seconds);
    return { ...r, cpuUsPerRequest: (((cpuSecondsWithChildren(pid) ?? 0) - cpu0) * 1e6) / Math.max(1, r.requests) };
  };
  type Run = Awaited<ReturnType<typeof measured>>;
  const m = { edge: [] as Run[], unverified: [] as Run[], nginx: [] as Run[] };
  for (let round = 0; round < rounds; round++) {
    // ABBA: neither edge always goes first; the pair is measured back to back.
    const pair = [
      async () => m.edge.push(await measured(verified.url, verified.pid)),
      async () => m.unverified.push(await measured(unverified.url, unverified.pid)),
    ];
    for (const run of round % 2 === 0 ? pair : pair.reverse()) await run();
    m.nginx.push(await measured(nginx.url, nginx.pid));
  }
  const failed = [...m.edge, ...m.nginx, ...m.unverified].reduce((n, r) => n + errorCount(r), 0);
  if (failed > 0) throw new Error(`bench: ${failed} errors while loading the edge or nginx`);

  const soakSeconds = ctx.quick ? 2 : 60;
  ctx.log(`edge: soak, ${SOAK_CONNECTIONS} connections for ${soakSeconds} s`);
  const soak = await sampleRss(verified.pid, load(verified.url, soakSeconds, SOAK_CONNECTIONS, 2));
  const after = await metrics(verified.url);
  ctx.log(`edge: the same soak against nginx (context)`);
  const nginxSoak = await load(nginx.url, soakSeconds, SOAK_CONNECTIONS, 2);

  const requests = [...m.edge, soak.value].reduce((n, r) => n + r.requests, 0);
  const reads = after.storage.gets + after.storage.heads - (before.storage.gets + before.storage.heads);
  const readsPer1000 = (reads / Math.max(1, requests)) * 1000;
  const rps = (runs: Run[]) => runs.map((r) => r.rps);
  const edgeRun = medianRun(m.edge, (r) => r.rps);
  const nginxRun = medianRun(m.nginx, (r) => r.rps);
  const unverifiedRun = medianRun(m.unverified, (r) => r.rps);
  const s = soak.value;
  const late = s.errors.timeout;
  const perRun = (runs: WrkResult[]) => runs.map((r) => r.rps.toFixed(0)).join(" ");
  const cpuUs = (runs: Run[]) => Math.round(medianRun(runs, (r) => r.cpuUsPerRequest).cpuUsPerRequest);
  const results: BenchResult[] = [
    compareRounds(`edge: 1 MiB segments, signed cookies, ${CONNECTIONS} conn., vs nginx from disk`, "req/s", rps(m.edge), rps(m.nginx), { op: ">=", value: 0.3 }, {
      p50Ms: edgeRun.latencyMs.p50,
      p99Ms: edgeRun.latencyMs.p99,
      extra: { edgeRps: perRun(m.edge), nginxRps: perRun(m.nginx), nginxP50Ms: nginxRun.latencyMs.p50, nginxP99Ms: nginxRun.latencyMs.p99, wrkThreads: THREADS },
    }),
    compareRounds(`edge: same load, verification on vs EDGE_VERIFY=off`, "req/s", rps(m.edge), rps(m.unverified), { op: ">=", value: 0.9 }, {
      p50Ms: edgeRun.latencyMs.p50,
      p99Ms: edgeRun.latencyMs.p99,
      extra: {
        unverifiedRps: perRun(m.unverified),
        unverifiedP50Ms: unverifiedRun.latencyMs.p50,
        unverifiedP99Ms: unverifiedRun.latencyMs.p99,
        edgeCpuUsPerRequest: cpuUs(m.edge),
        unverifiedCpuUsPerRequest: cpuUs(m.unverified),
        nginxCpuUsPerRequest: cpuUs(m.nginx),
      },
    }),
    check(`edge: storage reads per 1,000 requests, warm (${SEGMENTS} distinct objects)`, "reads/1k req", readsPer1000, `≤ 1 per distinct object (≤ ${SEGMENTS})`, readsPer1000 <= SEGMENTS, {
      baseline: SEGMENTS,
      ratio: readsPer1000 / SEGMENTS,
      extra: { storageReads: reads, requests, gets: after.storage.gets - before.storage.gets, heads: after.storage.heads - before.storage.heads },
    }),
    check(`edge soak: ${SOAK_CONNECTIONS} conn., ${soakSeconds} s, every response < 2 s`, "req/s", s.rps, "0 past 2 s, 0 errors", errorCount(s) === 0, {
      p50Ms: s.latencyMs.p50,
      p99Ms: s.latencyMs.p99,
      extra: { requests: s.requests, past2s: late, otherErrors: errorCount(s) - late, maxMsOfTheRest: s.latencyMs.max },
    }),
    check(`edge soak: RSS at the end vs the start`, "MiB", soak.end / MiB, `≤ start + ${FLAT_RSS_BYTES / MiB} MiB`, soak.end - soak.start <= FLAT_RSS_BYTES, {
      baseline: soak.start / MiB,
      ratio: soak.end / Math.max(1, soak.start),
      extra: { peakMiB: Math.round(soak.peak / MiB), metricsRssMiB: Math.round(after.rss / MiB) },
    }),
    figure(`nginx, same soak (context): responses past 2 s`, "responses", nginxSoak.errors.timeout, {
      p50Ms: nginxSoak.latencyMs.p50,
      p99Ms: nginxSoak.latencyMs.p99,
      extra: { requests: nginxSoak.requests, rps: Math.round(nginxSoak.rps), otherErrors: errorCount(nginxSoak) - nginxSoak.errors.timeout, maxMsOfTheRest: nginxSoak.latencyMs.max },
    }),
  ];
  return results;
};
