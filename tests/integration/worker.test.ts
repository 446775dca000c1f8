import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type PgBoss from "pg-boss";
import { createPrismaClient, db, type PrismaClient } from "@/lib/db";
import { startBoss } from "@/lib/jobs/boss";
import { AttemptLostError, completeInTransaction, fail, heartbeat, release, type Attempt } from "@/lib/jobs/attempt";
import { enqueueTranscode, retryTranscode } from "@/lib/jobs/transcode";
import { PURGE_UPLOADS_CRON, QUEUES } from "@/lib/jobs/queues";
import { runFfmpeg } from "@/worker/ffmpeg";
import { startEmbeddedStorage, type EmbeddedStorage } from "@/lib/storage/embedded";
import { lessonCaptionKey, lessonVideoMasterKey, lessonVideoPrefix, sourceUploadKey, videoOriginalKey } from "@/lib/storage/keys";
import { createStorage, type Storage } from "@/lib/storage/s3";
import { purgeUploadsIfAsked, scheduleHousekeeping, settleDeadTranscodes } from "@/worker/housekeeping";
import { runWorker, type RunWorkerOptions } from "@/worker/main";
import { makeTestClip } from "../support/test-clip";

const BUCKET = "media";
const root = path.resolve(__dirname, "../..");

let dir: string;
let embedded: EmbeddedStorage;
let storage: Storage;
let courseId: string;
let sectionId: string;
const clients: PrismaClient[] = [];
const bosses: PgBoss[] = [];
/** The queue as the app sees it (enqueue), and what tests inspect. */
let boss: PgBoss;
/** Short visibility timeout and retry delay so takeovers happen within a test. */
const LEASE_SECONDS = 3;

/** A worker's own pg-boss, like a separate process would have (maintenance every second). */
async function newBoss(): Promise<PgBoss> {
  const b = await startBoss({ url: process.env.DATABASE_URL!, role: "worker", leaseSeconds: LEASE_SECONDS, maintenanceSeconds: 1, retryDelaySeconds: 1, log: () => undefined });
  bosses.push(b);
  return b;
}

interface JobRow {
  state: "created" | "retry" | "active" | "completed" | "cancelled" | "failed";
  retryCount: number;
  output: { message?: string; detail?: string } | null;
}

/** The transcode job as pg-boss holds it. */
async function jobRow(id: string): Promise<JobRow | null> {
  const rows = await db.$queryRawUnsafe<{ state: JobRow["state"]; retry_count: number; output: JobRow["output"] }[]>(
    "SELECT state::text AS state, retry_count, output FROM pgboss.job WHERE id = $1::uuid",
    id,
  );
  return rows[0] ? { state: rows[0].state, retryCount: rows[0].retry_count, output: rows[0].output } : null;
}
const sources: Record<"small" | "tiny" | "long", string> = { small: "", tiny: "", long: "" };

/** A worker's own Prisma client, like a separate process would have. */
function newClient(): PrismaClient {
  const c = createPrismaClient(process.env.DATABASE_URL!);
  clients.push(c);
  return c;
}

function makeSource(name: string, size: string, seconds: number): Promise<string> {
  return makeTestClip(path.join(dir, `${name}.mp4`), size, seconds);
}

let lessonNo = 0;
async function newLesson(): Promise<string> {
  const l = await db.lesson.create({ data: { sectionId, position: ++lessonNo, title: `Lesson ${lessonNo}` } });
  return l.id;
}

/**
 * What the upload flow leaves for the worker: a PROCESSING video asset, its verified original
 * under originals/ (the server's copy; the upload object under sources/ is gone), its upload
 * row, a queued job naming the original.
 */
async function uploadVideo(lessonId: string, body: Buffer | string): Promise<{ assetId: string; sourceKey: string; job: { id: string } }> {
  const asset = await db.asset.create({
    data: { kind: "VIDEO", status: "PROCESSING", courseId, lessonId, storageKey: "pending", contentType: "video/mp4", fileName: "clip.mp4" },
  });
  const sourceKey = videoOriginalKey(courseId, asset.id);
  const bytes = typeof body === "string" ? fs.readFileSync(body) : body;
  await storage.putObject(sourceKey, bytes, { contentType: "video/mp4" });
  const user = await db.user.upsert({ where: { email: "uploader@example.com" }, create: { email: "uploader@example.com", name: "Uploader" }, update: {} });
  const uploadKey = sourceUploadKey(courseId, asset.id, "mp4");
  await db.upload.create({
    data: { assetId: asset.id, userId: user.id, key: uploadKey, fileName: "clip.mp4", contentType: "video/mp4", bytes: BigInt(bytes.length), expiresAt: new Date(Date.now() + 86_400_000) },
  });
  const id = await db.$transaction((tx) => enqueueTranscode(boss, tx, { assetId: asset.id, sourceKey }));
  if (!id) throw new Error("not queued");
  return { assetId: asset.id, sourceKey, job: { id } };
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

async function waitFor<T>(what: string | (() => string), fn: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const quiet = () => undefined;

/** Runs an in-process worker until `until` holds (checked every 100 ms), then stops it and waits for it. */
async function runWorkerUntil(until: () => Promise<boolean>, options: Partial<RunWorkerOptions> = {}, timeoutMs = 30_000) {
  const stop = new AbortController();
  const running = runWorker({ db: newClient(), boss: await newBoss(), storage, signal: stop.signal, pollMs: 50, leaseSeconds: 10, tmpDir: dir, log: quiet, ...options });
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
      WORKER_LEASE_SECONDS: String(LEASE_SECONDS),
      WORKER_RETRY_DELAY_SECONDS: "1",
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

/** Waits until the job is active and ffmpeg has made progress past the download (the asset's progress). */
function midTranscode(jobId: string, assetId: string, log: string[]) {
  let seen = "";
  return waitFor(
    () => `the child worker to be mid-transcode (last seen: ${seen}; log: ${log.join("")})`,
    async () => {
      const [j, a] = await Promise.all([jobRow(jobId), db.asset.findUniqueOrThrow({ where: { id: assetId } })]);
      seen = `job ${j?.state}, progress ${a.progress}, asset ${a.status}`;
      return j?.state === "active" && (a.progress ?? 0) > 5 && (a.progress ?? 0) < 85 ? j : null;
    },
    // A child worker starts (tsx), fetches, downloads and probes before any progress: on a
    // loaded 2-core machine that alone has taken close to 30 s.
    60_000,
    50,
  );
}

const jobDone = (jobId: string) => async () => {
  const j = await jobRow(jobId);
  return j !== null && (j.state === "completed" || j.state === "failed");
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "worker-test-"));
  embedded = await startEmbeddedStorage({ directory: path.join(dir, "s3"), port: 0, bucket: BUCKET });
  storage = createStorage({ bucket: BUCKET, region: "us-east-1", endpoint: embedded.endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" });
  await storage.ensureBucket();
  const course = await db.course.create({ data: { slug: "pipeline", title: "Pipeline", summary: "Video pipeline tests" } });
  courseId = course.id;
  boss = await startBoss({ url: process.env.DATABASE_URL!, role: "app", leaseSeconds: LEASE_SECONDS, retryDelaySeconds: 1 });
  sectionId = (await db.section.create({ data: { courseId, title: "Videos", position: 1 } })).id;
  [sources.small, sources.tiny, sources.long] = await Promise.all([
    makeSource("small", "640x360", 5),
    makeSource("tiny", "320x180", 2),
    // Long and large enough (three renditions) that a single pass lasts several seconds: the
    // mid-job tests must catch it between the download and the end of the transcode, polling
    // a database other test files keep busy (24 s of video, 8 s of work on an idle machine,
    // was once missed in CI).
    makeSource("long", "1280x720", 48),
  ]);
});

afterAll(async () => {
  await Promise.all([boss, ...bosses].map((b) => b?.stop({ graceful: false, wait: true })));
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

    expect(await jobRow(job.id)).toMatchObject({ state: "completed", retryCount: 0 });
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
      progress: null,
      hasThumbnails: true,
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

    // The verified original stays (re-transcoding remains possible).
    expect(sourceKey).toBe(videoOriginalKey(courseId, assetId));
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
    // The replaced video is gone: row, objects, caption, original.
    expect(await db.asset.findUnique({ where: { id: first.assetId } })).toBeNull();
    expect(await db.asset.count({ where: { storageKey: captionKey } })).toBe(0);
    expect(await keys(lessonVideoPrefix(courseId, lessonId, first.assetId))).toEqual([]);
    expect(await storage.headObject(first.sourceKey)).toBeNull();
    expect(await storage.headObject(second.sourceKey)).not.toBeNull();
    expect(await keys(lessonVideoPrefix(courseId, lessonId, second.assetId))).toContain("master.m3u8");
  });

  it("two workers never process the same job", async () => {
    const uploads = await Promise.all([1, 2, 3, 4].map(async () => uploadVideo(await newLesson(), sources.tiny)));
    const fetched: { jobId: string; workerId: string }[] = [];
    const stop = new AbortController();
    const common = { storage, signal: stop.signal, pollMs: 20, leaseSeconds: 10, tmpDir: dir, log: quiet };
    const onFetch = (a: { id: string }, workerId: string) => fetched.push({ jobId: a.id, workerId });
    // Each with its own connections and queue client, like two processes.
    const workers = [
      runWorker({ ...common, db: newClient(), boss: await newBoss(), workerId: "w1", onFetch }),
      runWorker({ ...common, db: newClient(), boss: await newBoss(), workerId: "w2", onFetch }),
    ];
    try {
      await waitFor("all jobs done", async () => (await Promise.all(uploads.map((u) => jobDone(u.job.id)()))).every(Boolean));
    } finally {
      stop.abort();
    }
    const results = await Promise.all(workers);
    expect(results.reduce((a, r) => a + r.processed, 0)).toBe(uploads.length);
    expect(fetched).toHaveLength(uploads.length);
    expect(new Set(fetched.map((c) => c.jobId)).size).toBe(uploads.length);
    expect(new Set(fetched.map((c) => c.workerId))).toEqual(new Set(["w1", "w2"]));
    for (const u of uploads) expect(await jobRow(u.job.id)).toMatchObject({ state: "completed", retryCount: 0 });
  });

  it("a source with a video's magic bytes that ffmpeg cannot read fails for good with ffmpeg's reason", async () => {
    const lessonId = await newLesson();
    const fake = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypmp42"), Buffer.alloc(4000, 7)]);
    const { assetId, job } = await uploadVideo(lessonId, fake);
    await runWorkerUntil(jobDone(job.id));
    const failed = await jobRow(job.id);
    expect(failed).toMatchObject({ state: "failed", retryCount: 0 }); // not retried: it cannot get better
    expect(failed!.output?.detail).toMatch(/not a video ffmpeg can read \(Invalid data found when processing input\)/);
    const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(asset).toMatchObject({ status: "FAILED", error: "The file is not a video ffmpeg can read (Invalid data found when processing input)." });
  });

  it("a source that is not a video container fails for good on its magic bytes, before ffmpeg; Retry queues it again", async () => {
    const lessonId = await newLesson();
    const { assetId, sourceKey, job } = await uploadVideo(lessonId, Buffer.from("This is a text file, not a video.\n".repeat(50)));
    await runWorkerUntil(jobDone(job.id));
    const failed = await jobRow(job.id);
    expect(failed).toMatchObject({ state: "failed", retryCount: 0 }); // not retried: it cannot get better
    expect(failed!.output?.detail).toMatch(/magic bytes: text/);
    const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(asset).toMatchObject({ status: "FAILED", error: "This file is not a video: it looks like text." });
    expect(asset.transcodeFailedAt).not.toBeNull();
    expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBeNull();

    await retryTranscode(db, boss, assetId);
    expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "PROCESSING", error: null, transcodeFailedAt: null });
    await retryTranscode(db, boss, assetId); // idempotent: already on its way
    const queued = await db.$queryRawUnsafe<{ id: string }[]>(
      "SELECT id::text AS id FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state = 'created'",
      QUEUES.transcode,
      assetId,
    );
    expect(queued).toHaveLength(1);

    // With a readable original in place the retry succeeds.
    await storage.putObject(sourceKey, fs.readFileSync(sources.tiny), { contentType: "video/mp4" });
    await runWorkerUntil(jobDone(queued[0].id));
    expect(await jobRow(queued[0].id)).toMatchObject({ state: "completed" });
    expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "READY", error: null });
    await expect(retryTranscode(db, boss, assetId)).rejects.toThrow(/Only a video whose processing failed/);
  });

  it("an original that is really an HLS playlist or a concat script is refused before ffmpeg: nothing it names is read, no host is asked", async () => {
    // A real video segment on the worker's machine, and a local server that records requests.
    const secret = path.join(dir, "secret.ts");
    await runFfmpeg(["-hide_banner", "-nostdin", "-y", "-i", sources.tiny, "-c", "copy", "-f", "mpegts", secret]);
    const hits: string[] = [];
    const server = http.createServer((req, res) => {
      hits.push(req.url ?? "");
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const hls = (...uris: string[]) => ["#EXTM3U", "#EXT-X-TARGETDURATION:10", ...uris.flatMap((u) => ["#EXTINF:2,", u]), "#EXT-X-ENDLIST", ""];
      const crafted: [string, string[]][] = [
        ["an HLS playlist", hls("file:///etc/passwd")],
        // A media extension: what Debian's ffmpeg 5.1 follows (the npm 4.1 build follows any).
        ["an HLS playlist", hls(`file://${secret}`, `http://127.0.0.1:${port}/segment.ts`)],
        ["an ffmpeg concat script", ["ffconcat version 1.0", `file '${secret}'`, `file 'http://127.0.0.1:${port}/segment.ts'`, ""]],
      ];
      for (const [what, lines] of crafted) {
        const lessonId = await newLesson();
        const { assetId, job } = await uploadVideo(lessonId, Buffer.from(lines.join("\n")));
        await runWorkerUntil(jobDone(job.id));
        expect(await jobRow(job.id), what).toMatchObject({ state: "failed", retryCount: 0 });
        expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } }), what).toMatchObject({ status: "FAILED", error: `This file is not a video: it looks like ${what}.` });
        expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBeNull();
        expect(await keys(lessonVideoPrefix(courseId, lessonId, assetId))).toEqual([]);
      }
      expect(hits).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("ffmpeg running past the job's time limit is killed and the job fails for good with that reason", async () => {
    const lessonId = await newLesson();
    const { assetId, job } = await uploadVideo(lessonId, sources.long);
    const started = Date.now();
    await runWorkerUntil(jobDone(job.id), { ffmpegTimeoutSeconds: 1 });
    expect(Date.now() - started).toBeLessThan(20_000);
    const failed = await jobRow(job.id);
    expect(failed).toMatchObject({ state: "failed", retryCount: 0 }); // not retried: the instructor's Retry starts again
    expect(failed!.output?.detail).toMatch(/ffmpeg was stopped after running past the job's time limit of 1 s/);
    const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(asset.status).toBe("FAILED");
    expect(asset.error).toMatch(/^Processing took too long and was stopped after 1 second: try again, or upload a shorter or re-exported video\.$/);
    expect(asset.transcodeFailedAt).not.toBeNull();
    // No ffmpeg of this test's scratch directories is left running.
    const running = fs
      .readdirSync("/proc")
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").includes(`${dir}/transcode-`) && !/\) Z /.test(fs.readFileSync(`/proc/${p}/stat`, "utf8"));
        } catch {
          return false;
        }
      });
    expect(running).toEqual([]);
  });

  it(
    "a worker killed mid-job: the job is fetched again once its visibility timeout expires, and completes",
    async () => {
      const lessonId = await newLesson();
      const { assetId, job } = await uploadVideo(lessonId, sources.long);
      const { child, log, exited } = spawnWorker("doomed-worker");
      let killedAt = 0;
      try {
        expect(await midTranscode(job.id, assetId, log)).toMatchObject({ state: "active", retryCount: 0 });
      } finally {
        process.kill(-child.pid!, "SIGKILL");
        killedAt = Date.now();
      }
      expect(await exited).toBe("SIGKILL");
      expect(await jobRow(job.id)).toMatchObject({ state: "active" }); // nobody released it

      const fetchedAt: number[] = [];
      await runWorkerUntil(jobDone(job.id), { workerId: "rescuer", leaseSeconds: LEASE_SECONDS, onFetch: () => fetchedAt.push(Date.now()) }, 60_000);
      // Not taken before the dead worker's last heartbeat ran out.
      expect(fetchedAt).toHaveLength(1);
      expect(fetchedAt[0] - killedAt).toBeGreaterThanOrEqual(0);
      expect(await jobRow(job.id)).toMatchObject({ state: "completed", retryCount: 1 });
      const asset = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
      expect(asset.status).toBe("READY");
      expect(asset.durationSeconds).toBeCloseTo(48, 0);
      expect((await db.lesson.findUniqueOrThrow({ where: { id: lessonId } })).videoAssetId).toBe(assetId);
      expect(await keys(lessonVideoPrefix(courseId, lessonId, assetId))).toContain("360p/seg_003.ts");
    },
    120_000,
  );

  it(
    "SIGTERM mid-job: the worker gives the job back (attempt not counted) and exits",
    async () => {
      const lessonId = await newLesson();
      const { assetId, job } = await uploadVideo(lessonId, sources.long);
      const { child, log, exited } = spawnWorker("polite-worker");
      try {
        await midTranscode(job.id, assetId, log);
        child.kill("SIGTERM"); // like scripts/start.ts: to the tsx process only
        expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 15_000))])).toBe(0);
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, "SIGKILL");
      }
      expect(await jobRow(job.id)).toMatchObject({ state: "retry", retryCount: 0 });
      expect(log.join("")).toMatch(/given back to the queue on shutdown/);
      expect(await db.asset.findUniqueOrThrow({ where: { id: assetId } })).toMatchObject({ status: "PROCESSING" });
      // The next worker takes it as the same attempt.
      await runWorkerUntil(jobDone(job.id), {}, 90_000);
      expect(await jobRow(job.id)).toMatchObject({ state: "completed", retryCount: 0 });
    },
    150_000,
  );
});

describe("scheduled housekeeping", () => {
  it("a starting worker purges abandoned uploads (expired multipart and never-completed PUTs), objects included", async () => {
    const lessonId = await newLesson();
    const user = await db.user.upsert({ where: { email: "uploader@example.com" }, create: { email: "uploader@example.com", name: "Uploader" }, update: {} });
    const abandoned = async (multipart: boolean, expiresAt: Date) => {
      const asset = await db.asset.create({ data: { kind: "VIDEO", status: "UPLOADING", courseId, lessonId, storageKey: "pending", contentType: "video/mp4" } });
      const key = sourceUploadKey(courseId, asset.id, "mp4");
      let multipartId: string | null = null;
      if (multipart) {
        multipartId = (await storage.createMultipartUpload(key, { contentType: "video/mp4" })).uploadId;
      } else {
        await storage.putObject(key, Buffer.from("half a video"), { contentType: "video/mp4" });
      }
      await db.upload.create({ data: { assetId: asset.id, userId: user.id, key, multipartId, fileName: "a.mp4", contentType: "video/mp4", bytes: 10n, expiresAt } });
      return { assetId: asset.id, key, multipartId };
    };
    const past = new Date(Date.now() - 60_000);
    const stalePut = await abandoned(false, past);
    const staleMultipart = await abandoned(true, past);
    const live = await abandoned(false, new Date(Date.now() + 3_600_000));

    const worker = await newBoss();
    await scheduleHousekeeping(worker, { auditRetentionDays: 90 }); // what worker/main.ts does at start
    const schedules = await db.$queryRawUnsafe<{ name: string; cron: string }[]>("SELECT name, cron FROM pgboss.schedule");
    expect(schedules).toContainEqual({ name: QUEUES.purgeUploads, cron: PURGE_UPLOADS_CRON });
    const log: string[] = [];
    await waitFor("the purge", async () => {
      await purgeUploadsIfAsked({ db, storage, boss: worker, log: (l) => log.push(l) });
      return (await db.asset.count({ where: { id: { in: [stalePut.assetId, staleMultipart.assetId] } } })) === 0;
    }, 10_000, 200);
    expect(log.join("\n")).toMatch(/purged 2 abandoned upload/);
    expect(await storage.headObject(stalePut.key)).toBeNull();
    await expect(storage.listParts(staleMultipart.key, staleMultipart.multipartId!)).rejects.toThrow();
    expect(await db.asset.findUnique({ where: { id: live.assetId } })).not.toBeNull();
    expect(await storage.headObject(live.key)).not.toBeNull();
  });
});

describe("job attempts on pg-boss (fencing, retries, dead letters)", () => {
  /** A queued transcode job for an asset that exists, fetched by a fresh queue client. */
  async function fetchedAttempt(b: PgBoss): Promise<Attempt> {
    const lessonId = await newLesson();
    const asset = await db.asset.create({ data: { kind: "VIDEO", status: "PROCESSING", courseId, lessonId, storageKey: "pending", contentType: "video/mp4" } });
    await db.$transaction((tx) => enqueueTranscode(boss, tx, { assetId: asset.id, sourceKey: "sources/none.mp4" }));
    for (let i = 0; i < 50; i++) {
      const [job] = await b.fetch<{ assetId: string }>(QUEUES.transcode, { batchSize: 10, includeMetadata: true });
      if (job?.data.assetId === asset.id) return { queue: QUEUES.transcode, id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, data: job.data };
      if (job) await b.complete(QUEUES.transcode, job.id); // a leftover of another test
    }
    throw new Error("the job was not fetched");
  }

  it(
    "fetchers in separate processes never get the same job",
    async () => {
      const queue = "race-test";
      await boss.createQueue(queue, { name: queue });
      const ids = (await boss.insert(Array.from({ length: 150 }, (_, i) => ({ name: queue, data: { i } }))), await db.$queryRawUnsafe<{ id: string }[]>("SELECT id::text AS id FROM pgboss.job WHERE name = $1", queue)).map((r) => r.id);
      const startAt = Date.now() + 4000; // all processes start fetching at the same instant
      const script = `
        import PgBoss from "pg-boss";
        (async () => {
          const boss = new PgBoss({ connectionString: process.env.DATABASE_URL, supervise: false, schedule: false, max: 2 });
          await boss.start();
          await new Promise((r) => setTimeout(r, Math.max(0, ${startAt} - Date.now())));
          for (;;) {
            const [job] = await boss.fetch(${JSON.stringify(queue)}, { batchSize: 1 });
            if (!job) break;
            console.log(JSON.stringify({ id: job.id }));
          }
          await boss.stop({ graceful: false, wait: true });
        })().catch((e) => { console.error(e); process.exit(1); });
      `;
      const tsx = path.join(root, "node_modules", ".bin", "tsx");
      const runs = ["p1", "p2", "p3", "p4"].map(
        (id) =>
          new Promise<{ id: string; lines: { id: string }[] }>((resolve, reject) => {
            const child = spawn(tsx, ["-e", script], { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: process.env });
            let out = "";
            let err = "";
            child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
            child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
            child.once("exit", (code) => {
              if (code !== 0) return reject(new Error(`fetcher ${id} exited ${code}: ${err}`));
              resolve({ id, lines: out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) });
            });
          }),
      );
      const results = await Promise.all(runs);
      const got = results.flatMap((r) => r.lines.map((l) => l.id));
      expect(got).toHaveLength(ids.length);
      expect(new Set(got)).toEqual(new Set(ids));
      // They really raced: more than one process got jobs.
      expect(results.filter((r) => r.lines.length > 0).length).toBeGreaterThan(1);
    },
    60_000,
  );

  it("heartbeats only while owned; an expired attempt is fetched again and the old owner can no longer write", async () => {
    const worker = await newBoss();
    const a = await fetchedAttempt(worker);
    expect(await heartbeat(db, a, LEASE_SECONDS)).toBe(true);
    expect(await worker.fetch(QUEUES.transcode)).toEqual([]); // not handed out twice
    // The owner stops heartbeating: once the visibility timeout is over, maintenance puts it back.
    const b = await waitFor("the job to be fetched again", async () => {
      const [job] = await worker.fetch<{ assetId: string }>(QUEUES.transcode, { includeMetadata: true });
      return job ? ({ queue: QUEUES.transcode, id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, data: job.data } as Attempt) : null;
    }, 20_000, 200);
    expect(b).toMatchObject({ id: a.id, retryCount: 1 });
    expect(await heartbeat(db, a, LEASE_SECONDS)).toBe(false);
    expect(await release(db, a)).toBe(false);
    await expect(db.$transaction((tx) => completeInTransaction(tx, a))).rejects.toBeInstanceOf(AttemptLostError);
    expect(await fail(db, worker, a, { message: "late" }, { retryable: true })).toBe("lost");
    await db.$transaction((tx) => completeInTransaction(tx, b, { ok: true }));
    expect(await jobRow(a.id)).toMatchObject({ state: "completed", retryCount: 1 });
  }, 40_000);

  it("failures: retried with backoff while attempts remain, then failed for good and dead-lettered; release does not count", async () => {
    const worker = await newBoss();
    let a = await fetchedAttempt(worker);
    expect(await release(db, a)).toBe(true);
    expect(await jobRow(a.id)).toMatchObject({ state: "retry", retryCount: 0 });
    a = await waitFor("refetch", async () => {
      const [job] = await worker.fetch<{ assetId: string }>(QUEUES.transcode, { includeMetadata: true });
      return job ? ({ queue: QUEUES.transcode, id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, data: job.data } as Attempt) : null;
    });
    expect(a.retryCount).toBe(0); // the released attempt did not count
    for (let attempt = 0; attempt <= a.retryLimit; attempt++) {
      const outcome = await fail(db, worker, a, { message: `transient ${attempt}` }, {
        retryable: true,
        onFinalFailure: (tx) => tx.asset.updateMany({ where: { id: (a.data as { assetId: string }).assetId }, data: { status: "FAILED", transcodeFailedAt: new Date() } }).then(() => undefined),
      });
      expect(outcome).toBe(attempt < a.retryLimit ? "requeued" : "failed");
      if (outcome === "failed") break;
      a = await waitFor("the retry after its backoff", async () => {
        const [job] = await worker.fetch<{ assetId: string }>(QUEUES.transcode, { includeMetadata: true });
        return job ? ({ queue: QUEUES.transcode, id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, data: job.data } as Attempt) : null;
      }, 20_000, 200);
    }
    expect(await jobRow(a.id)).toMatchObject({ state: "failed", retryCount: a.retryLimit, output: { message: `transient ${a.retryLimit}` } });
    expect(await db.asset.findUniqueOrThrow({ where: { id: (a.data as { assetId: string }).assetId } })).toMatchObject({ status: "FAILED" });
    const dead = await worker.fetch<{ assetId: string }>(QUEUES.transcodeDead);
    expect(dead.map((d) => d.data.assetId)).toContain((a.data as { assetId: string }).assetId);
  }, 60_000);

  it("a job whose worker keeps dying is dead-lettered, and housekeeping marks its video FAILED with a reason", async () => {
    const worker = await newBoss();
    const first = await fetchedAttempt(worker);
    const assetId = (first.data as { assetId: string }).assetId;
    // Every attempt is fetched and then abandoned (the worker "dies"): no heartbeat, no release.
    for (let n = 0; n < first.retryLimit; n++) {
      await waitFor(`attempt ${n + 2}`, async () => (await worker.fetch(QUEUES.transcode, { batchSize: 1 })).length > 0, 30_000, 200);
    }
    await waitFor("the job to fail for good", async () => (await jobRow(first.id))?.state === "failed", 30_000, 200);
    const log: string[] = [];
    await waitFor("housekeeping to settle the dead job", async () => {
      await settleDeadTranscodes({ db, storage, boss: worker, log: (l) => log.push(l) });
      return (await db.asset.findUniqueOrThrow({ where: { id: assetId } })).status === "FAILED";
    }, 10_000, 200);
    const failed = await db.asset.findUniqueOrThrow({ where: { id: assetId } });
    expect(failed.error).toMatch(/stopped responding on every attempt/);
    expect(failed.transcodeFailedAt).not.toBeNull();
    expect(log.join("\n")).toMatch(/attempts exhausted/);
  }, 90_000);
});
