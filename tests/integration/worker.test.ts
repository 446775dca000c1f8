import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createPrismaClient, db, type PrismaClient } from "@/lib/db";
import type { Job } from "@/lib/generated/prisma/client";
import { claimNextJob, completeJob, enqueueJob, failJob, heartbeat, releaseJob, retryJob } from "@/lib/jobs/queue";
import { runFfmpeg } from "@/worker/ffmpeg";
import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import { lessonCaptionKey, lessonVideoMasterKey, lessonVideoPrefix, sourceUploadKey } from "@/lib/storage/keys";
import { createStorage, type Storage } from "@/lib/storage/s3";
import { runWorker, type RunWorkerOptions } from "@/worker/main";

const BUCKET = "media";
const root = path.resolve(__dirname, "../..");

let dir: string;
let embedded: EmbeddedStorage;
let storage: Storage;
let courseId: string;
let sectionId: string;
const clients: PrismaClient[] = [];
const sources: Record<"small" | "tiny" | "long", string> = { small: "", tiny: "", long: "" };

/** A worker's own Prisma client, like a separate process would have. */
function newClient(): PrismaClient {
  const c = createPrismaClient(process.env.DATABASE_URL!);
  clients.push(c);
  return c;
}

async function makeSource(name: string, size: string, seconds: number): Promise<string> {
  const file = path.join(dir, `${name}.mp4`);
  await runFfmpeg([
    "-hide_banner", "-nostdin", "-y",
    "-f", "lavfi", "-i", `testsrc2=s=${size}:r=25:d=${seconds}`,
    "-f", "lavfi", "-i", `sine=f=440:sample_rate=48000:d=${seconds}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    file,
  ]);
  return file;
}

let lessonNo = 0;
async function newLesson(): Promise<string> {
  const l = await db.lesson.create({ data: { sectionId, position: ++lessonNo, title: `Lesson ${lessonNo}` } });
  return l.id;
}

/** What the upload flow does: a PROCESSING video asset, its original under sources/, a queued job. */
async function uploadVideo(lessonId: string, body: Buffer | string): Promise<{ assetId: string; sourceKey: string; job: Job }> {
  const asset = await db.asset.create({
    data: { kind: "VIDEO", status: "PROCESSING", courseId, lessonId, storageKey: "pending", contentType: "video/mp4", fileName: "clip.mp4" },
  });
  const sourceKey = sourceUploadKey(courseId, asset.id, "mp4");
  const bytes = typeof body === "string" ? fs.readFileSync(body) : body;
  await storage.putObject(sourceKey, bytes, { contentType: "video/mp4" });
  const job = await enqueueJob(db, "transcode", { assetId: asset.id, sourceKey });
  return { assetId: asset.id, sourceKey, job };
}

async function keys(prefix: string): Promise<string[]> {
  return (await storage.listObjects(prefix)).map((o) => o.key.slice(prefix.length)).sort();
}

async function text(key: string): Promise<string> {
  const got = await storage.getObject(key);
  const parts: Buffer[] = [];
  for await (const c of got.body) parts.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(parts).toString("utf8");
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const quiet = () => undefined;

/** Runs an in-process worker until `until` holds (checked every 100 ms), then stops it and waits for it. */
async function runWorkerUntil(until: () => Promise<boolean>, options: Partial<RunWorkerOptions> = {}, timeoutMs = 30_000) {
  const stop = new AbortController();
  const running = runWorker({ db: newClient(), storage, signal: stop.signal, pollMs: 50, leaseSeconds: 10, tmpDir: dir, log: quiet, ...options });
  try {
    await waitFor("the worker to finish", async () => (await until()) || null, timeoutMs);
  } finally {
    stop.abort();
  }
  return running;
}

/** `worker/main.ts` as its own process (own process group), on the test's database and storage. */
function spawnWorker(workerId: string) {
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const log: string[] = [];
  const child: ChildProcess = spawn(tsx, ["--conditions=react-server", "worker/main.ts"], {
    cwd: root,
    detached: true, // own process group: a SIGKILL of the group reaches tsx, node and ffmpeg alike
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      DATABASE_URL: process.env.DATABASE_URL,
      S3_ENDPOINT: embedded.endpoint,
      S3_BUCKET: BUCKET,
      S3_REGION: "us-east-1",
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      WORKER_LEASE_SECONDS: "3",
      WORKER_POLL_MS: "100",
      WORKER_TMP_DIR: dir,
      WORKER_ID: workerId,
    },
  });
  child.stdout!.on("data", (c: Buffer) => log.push(c.toString()));
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
  return { child, log, exited };
}

/** Waits until the job is RUNNING and ffmpeg has made progress past the download. */
function midTranscode(jobId: string, log: string[]) {
  return waitFor(
    `the child worker to be mid-transcode (log: ${log.join("")})`,
    async () => {
      const j = await db.job.findUniqueOrThrow({ where: { id: jobId } });
      return j.status === "RUNNING" && j.progress > 5 && j.progress < 85 ? j : null;
    },
    30_000,
    50,
  );
}

const jobDone = (jobId: string) => async () => {
  const j = await db.job.findUnique({ where: { id: jobId } });
  return j !== null && (j.status === "SUCCEEDED" || j.status === "FAILED");
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-test-"));
  embedded = await startEmbeddedStorage({ directory: path.join(dir, "s3"), port: 0, bucket: BUCKET });
  storage = createStorage({ bucket: BUCKET, region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  await storage.ensureBucket();
  const course = await db.course.create({ data: { slug: "pipeline", title: "Pipeline", summary: "Video pipeline tests" } });
  courseId = course.id;
  sectionId = (await db.section.create({ data: { courseId, title: "Videos", position: 1 } })).id;
  [sources.small, sources.tiny, sources.long] = await Promise.all([
    makeSource("small", "640x360", 5),
    makeSource("tiny", "320x180", 2),
    makeSource("long", "640x360", 24),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.$disconnect()));
  storage?.destroy();
  await embedded?.stop({ graceMs: 0 });
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("transcoding worker", () => {
  it("turns an upload into a READY HLS ladder with poster and thumbnails, and points the lesson at it", async () => {
    const lessonId = await newLesson();
    const { assetId, sourceKey, job } = await uploadVideo(lessonId, sources.small);
    const progress: number[] = [];
    await runWorkerUntil(jobDone(job.id), { onProgress: (_id, p) => progress.push(p) });

    const doneJob = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(doneJob).toMatchObject({ status: "SUCCEEDED", progress: 100, attempts: 1, error: null, leaseUntil: null });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress).toEqual([...progress].sort((a, b) => a - b)); // monotonic
    expect(progress[progress.length - 1]).toBeGreaterThanOrEqual(85);

    const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(asset).toMatchObject({
      status: "READY",
      width: 640,
      height: 360,
      storageKey: lessonVideoMasterKey(courseId, lessonId, assetId),
      contentType: "application/vnd.apple.mpegurl",
      error: null,
    });
    expect(asset.durationSeconds).toBeGreaterThan(4.5);
    expect(asset.durationSeconds).toBeLessThan(5.5);
    expect(asset.renditions).toEqual([
      { name: "360p", width: 640, height: 360, bandwidth: 896_000, playlist: "360p/index.m3u8" },
      { name: "180p", width: 320, height: 180, bandwidth: 314_000, playlist: "180p/index.m3u8" },
    ]);
    expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBe(assetId);

    const prefix = lessonVideoPrefix(courseId, lessonId, assetId);
    const files = await keys(prefix);
    expect(files).toEqual(
      expect.arrayContaining(["master.m3u8", "360p/index.m3u8", "360p/seg_000.ts", "180p/index.m3u8", "180p/seg_000.ts", "poster.jpg", "thumbnails.jpg", "thumbnails.vtt"]),
    );
    const objects = await storage.listObjects(prefix);
    expect(Number(asset.bytes)).toBe(objects.reduce((a, o) => a + o.size, 0));

    const master = await text(`${prefix}master.m3u8`);
    expect(master).toContain("RESOLUTION=640x360");
    expect(master.split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["360p/index.m3u8", "180p/index.m3u8"]);
    const media = await text(`${prefix}360p/index.m3u8`);
    expect(media).toContain("#EXT-X-PLAYLIST-TYPE:VOD");
    expect(media).toContain("#EXT-X-ENDLIST");
    for (const m of media.matchAll(/#EXTINF:([\d.]+)/g)) expect(Number(m[1])).toBeLessThanOrEqual(6.5);

    const poster = await storage.getObject(`${prefix}poster.jpg`);
    expect(poster.contentType).toBe("image/jpeg");
    poster.body.destroy();
    const vtt = await text(`${prefix}thumbnails.vtt`);
    expect(vtt).toMatch(/^WEBVTT\n\n00:00:00\.000 --> 00:00:0\d\.\d{3}\nthumbnails\.jpg#xywh=0,0,160,90\n/);
    expect((await storage.headObject(`${prefix}thumbnails.vtt`))?.contentType).toMatch(/^text\/vtt/);

    // The original stays (re-transcoding remains possible).
    expect(await storage.headObject(sourceKey)).not.toBeNull();
  });

  it("a replacement video: the lesson keeps the old one until the new one is READY, then the old one is removed", async () => {
    const lessonId = await newLesson();
    const first = await uploadVideo(lessonId, sources.tiny);
    await runWorkerUntil(jobDone(first.job.id));
    expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBe(first.assetId);
    // A caption of the old video lives in its folder.
    const captionKey = lessonCaptionKey(courseId, lessonId, first.assetId, "en");
    await storage.putObject(captionKey, Buffer.from("WEBVTT\n"), { contentType: "text/vtt" });
    await db.asset.create({ data: { kind: "CAPTION", status: "READY", courseId, lessonId, storageKey: captionKey, contentType: "text/vtt", language: "en" } });

    const second = await uploadVideo(lessonId, sources.small);
    const seenWhileProcessing = new Set<string | null>();
    let checks = 0;
    await runWorkerUntil(jobDone(second.job.id), {
      onProgress: () => {
        // While the replacement is processed, students still get the first video.
        void db.lesson.findUniqueOrThrow({ where: { id: lessonId } }).then((l) => {
          seenWhileProcessing.add(l.videoAssetId);
          checks++;
        });
      },
    });
    expect(checks).toBeGreaterThan(0);
    expect([...seenWhileProcessing]).toEqual([first.assetId]);

    expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBe(second.assetId);
    expect(await db.asset.findUnique({ where: { id: second.assetId } })).toMatchObject({ status: "READY" });
    // The replaced video is gone: row (and its job), objects, caption, original.
    expect(await db.asset.findUnique({ where: { id: first.assetId } })).toBeNull();
    expect(await db.job.findUnique({ where: { id: first.job.id } })).toBeNull();
    expect(await db.asset.count({ where: { storageKey: captionKey } })).toBe(0);
    expect(await keys(lessonVideoPrefix(courseId, lessonId, first.assetId))).toEqual([]);
    expect(await storage.headObject(first.sourceKey)).toBeNull();
    expect(await storage.headObject(second.sourceKey)).not.toBeNull();
    expect(await keys(lessonVideoPrefix(courseId, lessonId, second.assetId))).toContain("master.m3u8");
  });

  it("two workers never process the same job", async () => {
    const uploads = await Promise.all([1, 2, 3, 4].map(async () => uploadVideo(await newLesson(), sources.tiny)));
    const claims: { jobId: string; workerId: string }[] = [];
    const onClaim = (job: Job, workerId: string) => claims.push({ jobId: job.id, workerId });
    const stop = new AbortController();
    const common = { storage, signal: stop.signal, pollMs: 20, leaseSeconds: 10, tmpDir: dir, log: quiet, onClaim };
    // One connection for both (SQLite + better-sqlite3 block the whole process on a lock held by
    // another connection of the same process; separate processes are covered below).
    const shared = newClient();
    const workers = [runWorker({ ...common, db: shared, workerId: "w1" }), runWorker({ ...common, db: shared, workerId: "w2" })];
    try {
      await waitFor("all jobs done", async () => {
        const n = await db.job.count({ where: { id: { in: uploads.map((u) => u.job.id) }, status: { in: ["SUCCEEDED", "FAILED"] } } });
        return n === uploads.length;
      });
    } finally {
      stop.abort();
    }
    const results = await Promise.all(workers);
    expect(results.reduce((a, r) => a + r.processed, 0)).toBe(uploads.length);
    expect(claims).toHaveLength(uploads.length);
    expect(new Set(claims.map((c) => c.jobId)).size).toBe(uploads.length);
    expect(new Set(claims.map((c) => c.workerId))).toEqual(new Set(["w1", "w2"]));
    for (const u of uploads) {
      const j = await db.job.findUniqueOrThrow({ where: { id: u.job.id } });
      expect(j).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
      expect(j.lockedBy).toBe(claims.find((c) => c.jobId === u.job.id)!.workerId);
    }
  });

  it("a source that is not a video fails with a clear reason; retryJob re-queues it", async () => {
    const lessonId = await newLesson();
    const { assetId, sourceKey, job } = await uploadVideo(lessonId, Buffer.from("This is a text file, not a video.\n".repeat(50)));
    await runWorkerUntil(jobDone(job.id));
    const failed = await db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(failed).toMatchObject({ status: "FAILED", attempts: 1, leaseUntil: null }); // not retried: it cannot get better
    expect(failed.error).toMatch(/not a video ffmpeg can read \(Invalid data found when processing input\)/);
    const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(asset).toMatchObject({ status: "FAILED", error: "The file is not a video ffmpeg can read (Invalid data found when processing input)." });
    expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBeNull();

    const requeued = await retryJob(db, assetId);
    expect(requeued).toMatchObject({ id: job.id, status: "QUEUED", attempts: 0, error: null, lockedBy: null });
    expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "PROCESSING", error: null });
    await expect(retryJob(db, assetId)).resolves.toMatchObject({ id: job.id, status: "QUEUED" }); // idempotent

    // With a readable original in place the retry succeeds.
    await storage.putObject(sourceKey, fs.readFileSync(sources.tiny), { contentType: "video/mp4" });
    await runWorkerUntil(jobDone(job.id));
    expect(await db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "SUCCEEDED", attempts: 1 });
    expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "READY", error: null });
    await expect(retryJob(db, assetId)).rejects.toThrow(/only a failed job can be retried/);
  });

  it(
    "a worker killed mid-job: the job is claimed again once its lease expires, and completes",
    async () => {
      const lessonId = await newLesson();
      const { assetId, job } = await uploadVideo(lessonId, sources.long);
      const { child, log, exited } = spawnWorker("doomed-worker");
      try {
        const running = await midTranscode(job.id, log);
        expect(running).toMatchObject({ lockedBy: "doomed-worker", attempts: 1 });
      } finally {
        process.kill(-child.pid!, "SIGKILL");
      }
      expect(await exited).toBe("SIGKILL");

      const orphan = await db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect(orphan).toMatchObject({ status: "RUNNING", lockedBy: "doomed-worker" });
      const claimedAt: { at: number; leaseUntil: number }[] = [];
      await runWorkerUntil(
        jobDone(job.id),
        { workerId: "rescuer", leaseSeconds: 3, onClaim: () => claimedAt.push({ at: Date.now(), leaseUntil: orphan.leaseUntil!.getTime() }) },
        45_000,
      );
      // Not taken before the dead worker's lease ran out.
      expect(claimedAt).toHaveLength(1);
      expect(claimedAt[0].at).toBeGreaterThanOrEqual(claimedAt[0].leaseUntil);
      expect(await db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "SUCCEEDED", attempts: 2, lockedBy: "rescuer", progress: 100 });
      const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
      expect(asset.status).toBe("READY");
      expect(asset.durationSeconds).toBeCloseTo(24, 0);
      expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBe(assetId);
      expect(await keys(lessonVideoPrefix(courseId, lessonId, assetId))).toContain("360p/seg_003.ts");
    },
    90_000,
  );

  it(
    "SIGTERM mid-job: the worker gives the job back (attempt not counted) and exits",
    async () => {
      const lessonId = await newLesson();
      const { assetId, job } = await uploadVideo(lessonId, sources.long);
      const { child, log, exited } = spawnWorker("polite-worker");
      try {
        await midTranscode(job.id, log);
        child.kill("SIGTERM"); // like scripts/start.ts: to the tsx process only
        expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 10_000))])).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      }
      expect(await db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "QUEUED", attempts: 0, lockedBy: null, leaseUntil: null });
      expect(log.join("")).toMatch(/released on shutdown/);
      expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "PROCESSING" });
      await db.asset.delete({ where: { id: assetId } }); // and its job: keep the queue clean for the next tests
    },
    60_000,
  );
});

describe("job queue (leases, compare-and-set)", () => {
  let raceNo = 0;
  /** Jobs of a type of their own, so tests do not see each other's jobs. */
  async function raceJobs(n: number, extra: { maxAttempts?: number; assetId?: string } = {}): Promise<{ type: string; ids: string[] }> {
    const type = `race-${++raceNo}`;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await db.job.create({ data: { type, payload: "{}", ...extra } })).id);
    return { type, ids };
  }

  it(
    "claimers in separate processes (separate connections) never claim the same job",
    async () => {
      const { type, ids } = await raceJobs(150);
      const startAt = Date.now() + 4000; // all processes start claiming at the same instant
      const script = `
        import { claimNextJob } from "./lib/jobs/queue";
        import { createPrismaClient } from "./lib/db";
        (async () => {
          const db = createPrismaClient(process.env.DATABASE_URL);
          const me = process.env.CLAIMER_ID;
          await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));
          for (;;) {
            const job = await claimNextJob(db, me, { leaseSeconds: 60, types: [${JSON.stringify(type)}] });
            if (job) { console.log(JSON.stringify({ id: job.id, by: job.lockedBy, attempts: job.attempts })); continue; }
            if ((await db.job.count({ where: { type: ${JSON.stringify(type)}, status: "QUEUED" } })) === 0) break;
          }
          await db.$disconnect();
        })().catch((e) => { console.error(e); process.exit(1); });
      `;
      const tsx = path.join(root, "node_modules", ".bin", "tsx");
      const runs = ["p1", "p2", "p3", "p4"].map(
        (id) =>
          new Promise<{ id: string; lines: { id: string; by: string; attempts: number }[] }>((resolve, reject) => {
            const child = spawn(tsx, ["--conditions=react-server", "-e", script], {
              cwd: root,
              stdio: ["ignore", "pipe", "pipe"],
              env: { ...process.env, CLAIMER_ID: id },
            });
            let out = "";
            let err = "";
            child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
            child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
            child.once("exit", (code) => {
              if (code !== 0) return reject(new Error(`claimer ${id} exited ${code}: ${err}`));
              resolve({ id, lines: out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) });
            });
          }),
      );
      const results = await Promise.all(runs);
      const claims = results.flatMap((r) => r.lines);
      expect(claims).toHaveLength(ids.length);
      expect(new Set(claims.map((c) => c.id))).toEqual(new Set(ids));
      for (const r of results) for (const c of r.lines) expect(c).toMatchObject({ by: r.id, attempts: 1 });
      // They really raced: more than one process got jobs.
      expect(results.filter((r) => r.lines.length > 0).length).toBeGreaterThan(1);
      const rows = await db.job.findMany({ where: { type } });
      for (const row of rows) {
        expect(row).toMatchObject({ status: "RUNNING", attempts: 1 });
        expect(row.lockedBy).toBe(claims.find((c) => c.id === row.id)!.by);
      }
    },
    60_000,
  );

  it("claimers sharing a connection: the compare-and-set still hands each job out once", async () => {
    const { type, ids } = await raceJobs(60);
    const conn = newClient();
    const claimed: { jobId: string; by: string }[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        for (;;) {
          const j = await claimNextJob(conn, `c${i}`, { leaseSeconds: 60, types: [type] });
          if (j) claimed.push({ jobId: j.id, by: `c${i}` });
          else if ((await conn.job.count({ where: { type, status: "QUEUED" } })) === 0) return;
        }
      }),
    );
    expect(claimed).toHaveLength(ids.length);
    expect(new Set(claimed.map((c) => c.jobId))).toEqual(new Set(ids));
    expect(new Set(claimed.map((c) => c.by)).size).toBeGreaterThan(1);
  });

  it("leases: heartbeat only while owned, an expired lease is taken over, the old owner can no longer write", async () => {
    const {
      type,
      ids: [id],
    } = await raceJobs(1);
    const a = await claimNextJob(db, "A", { leaseSeconds: 1, types: [type] });
    expect(a?.id).toBe(id);
    expect(await claimNextJob(db, "B", { leaseSeconds: 1, types: [type] })).toBeNull(); // lease current
    expect(await heartbeat(db, id, "A", { leaseSeconds: 1, progress: 40 })).toBe(true);
    expect(await heartbeat(db, id, "B", { leaseSeconds: 1 })).toBe(false);
    // A stops renewing: once the lease ran out, B takes the job (attempt 2).
    const later = new Date(Date.now() + 1500);
    const b = await claimNextJob(db, "B", { leaseSeconds: 30, types: [type], now: () => later });
    expect(b).toMatchObject({ id, lockedBy: "B", attempts: 2, progress: 0 });
    expect(await heartbeat(db, id, "A", { leaseSeconds: 1 })).toBe(false);
    expect(await completeJob(db, id, "A")).toBe(false);
    expect(await failJob(db, id, "A", "boom", { retryable: true })).toBe("lost");
    expect(await releaseJob(db, id, "A")).toBe(false);
    expect(await completeJob(db, id, "B")).toBe(true);
    expect(await db.job.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "SUCCEEDED", lockedBy: "B", progress: 100 });
  });

  it("failures: retry with backoff while attempts remain, then FAILED; release does not count an attempt", async () => {
    const {
      type,
      ids: [id],
    } = await raceJobs(1, { maxAttempts: 2 });
    await claimNextJob(db, "A", { leaseSeconds: 30, types: [type] });
    expect(await releaseJob(db, id, "A")).toBe(true);
    expect(await db.job.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "QUEUED", attempts: 0, lockedBy: null });

    await claimNextJob(db, "A", { leaseSeconds: 30, types: [type] });
    expect(await failJob(db, id, "A", "transient", { retryable: true })).toBe("requeued");
    const queued = await db.job.findUniqueOrThrow({ where: { id } });
    expect(queued).toMatchObject({ status: "QUEUED", attempts: 1, error: "transient", lockedBy: null });
    expect(queued.runAfter.getTime()).toBeGreaterThan(Date.now() + 20_000); // 30 s backoff
    expect(await claimNextJob(db, "A", { leaseSeconds: 30, types: [type] })).toBeNull();

    const later = new Date(Date.now() + 31_000);
    expect(await claimNextJob(db, "A", { leaseSeconds: 30, types: [type], now: () => later })).toMatchObject({ attempts: 2 });
    expect(await failJob(db, id, "A", "transient again", { retryable: true })).toBe("failed"); // attempts exhausted
    expect(await db.job.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "FAILED", error: "transient again" });
  });

  it("a job whose worker keeps dying is failed after maxAttempts instead of being handed out forever", async () => {
    const lessonId = await newLesson();
    const asset = await db.asset.create({ data: { kind: "VIDEO", status: "PROCESSING", courseId, lessonId, storageKey: "pending", contentType: "video/mp4" } });
    const {
      type,
      ids: [jobId],
    } = await raceJobs(1, { maxAttempts: 2, assetId: asset.id });
    const job = { id: jobId };
    let t = Date.now();
    for (const w of ["A", "B"]) {
      const at = new Date(t);
      expect(await claimNextJob(db, w, { leaseSeconds: 5, types: [type], now: () => at })).toMatchObject({ id: job.id, lockedBy: w });
      t += 6_000; // ... and dies
    }
    const at = new Date(t);
    expect(await claimNextJob(db, "C", { leaseSeconds: 5, types: [type], now: () => at })).toBeNull();
    expect(await db.job.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ status: "FAILED", attempts: 2 });
    const failed = await db.asset.findUniqueOrThrow({ where: { id: asset.id } });
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/stopped responding 2 time/);
  });
});
