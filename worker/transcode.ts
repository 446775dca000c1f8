import "server-only";

import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import type { Job, PrismaClient } from "../lib/generated/prisma/client";
import { completeJobOperation, type TranscodePayload } from "../lib/jobs/queue";
import { contentTypeFor } from "../lib/storage/content-types";
import { FfmpegError, runFfmpeg, transcodeLadder } from "./ffmpeg";
import { ProbeError, probeMedia } from "./probe";
import type { Storage } from "../lib/storage/s3";
import { lessonVideoMasterKey, lessonVideoObjectKey, lessonVideoPrefix } from "../lib/storage/keys";
import { LeaseLostError, type JobLease } from "./lease";
import {
  bytesProgress,
  cacheControlFor,
  outputFps,
  planRenditions,
  planThumbnails,
  posterArgs,
  posterTime,
  PROGRESS,
  renditionRecords,
  SEGMENT_SECONDS,
  spriteArgs,
  thumbnailsVtt,
  transcodeProgress,
  uploadOrder,
} from "./plan";

/** A failure that another attempt cannot fix (not a video, source gone, bad payload). */
export class PermanentJobError extends Error {
  constructor(
    message: string,
    readonly detail = "",
  ) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** The worker is shutting down: the job goes back to the queue. */
export class ShutdownError extends Error {
  constructor() {
    super("Worker shutting down");
    this.name = "ShutdownError";
  }
}

export interface TranscodeContext {
  db: PrismaClient;
  storage: Storage;
  job: Job;
  workerId: string;
  lease: JobLease;
  /** Aborted when the worker should stop (SIGTERM): the job is given back, unless it is already committing. */
  shutdown?: AbortSignal;
  /** Parent of the per-job scratch directory (default os.tmpdir()). */
  tmpDir?: string;
  log?: (line: string) => void;
}

export interface TranscodeResult {
  assetId: string;
  lessonId: string;
  durationSeconds: number;
  renditions: string[];
  bytes: number;
  /** False when a newer video of the lesson was already READY: this one was discarded. */
  published: boolean;
  /** Older video assets of the lesson removed after the swap. */
  removed: string[];
}

/** Asset.bytes is a 32-bit Int in the schema. */
const UPLOAD_CONCURRENCY = 4;

function parsePayload(job: Job): TranscodePayload {
  const p = job.payload as Partial<TranscodePayload> | null;
  if (!p || typeof p.assetId !== "string" || typeof p.sourceKey !== "string") {
    throw new PermanentJobError("The job payload lacks assetId/sourceKey.");
  }
  return { assetId: p.assetId, sourceKey: p.sourceKey };
}

async function walk(dir: string, base = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fsp.readdir(path.join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(dir, rel)));
    else out.push(rel);
  }
  return out;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const run = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
}

/**
 * Runs one transcode job end to end:
 *  1. streams the source object to a scratch directory and probes it;
 *  2. removes stale outputs of an earlier attempt under the asset's video folder (captions
 *     attached to the asset are kept), then runs ffmpeg: HLS ladder (never upscaled, ~6 s
 *     segments), poster (frame at 10%), thumbnail sprite + thumbnails.vtt;
 *  3. uploads everything under `<lessonVideoPrefix>` with deterministic keys (a re-run
 *     overwrites), master playlist last;
 *  4. in one transaction, fenced by the lease: job SUCCEEDED (progress 100), asset READY with
 *     duration/size/renditions/bytes, and `lesson.videoAssetId` = this asset, unless a newer
 *     upload of the lesson is already READY;
 *  5. removes the lesson's older video assets (objects, source, captions, row; ADR 031).
 * The source object under `sources/` is kept (re-transcoding stays possible).
 */
export async function transcodeJob(ctx: TranscodeContext): Promise<TranscodeResult> {
  const { db, storage, job, lease } = ctx;
  const payload = parsePayload(job);
  const asset = await db.asset.findUnique({ where: { id: payload.assetId } });
  if (!asset) throw new PermanentJobError("The video asset no longer exists.");
  if (asset.kind !== "VIDEO" || !asset.lessonId) throw new PermanentJobError("The asset is not a lesson video.");
  const lessonId = asset.lessonId;
  const courseId = asset.courseId;

  // Aborts ffmpeg and transfers on a lost lease or on shutdown.
  const signals = [lease.signal, ...(ctx.shutdown ? [ctx.shutdown] : [])];
  const workSignal = AbortSignal.any(signals);
  const checkpoint = () => {
    if (lease.lost) throw lease.signal.reason as Error;
    if (ctx.shutdown?.aborted) throw new ShutdownError();
  };
  /**
   * A step failed: if it was because we aborted it (lease lost, shutdown), say so instead.
   * ffmpeg interrupted by a terminal's Ctrl-C (the whole process group gets SIGINT) may exit
   * before our own handler has run: give the handler a moment before calling it a failure.
   */
  const explain = async (err: unknown): Promise<never> => {
    checkpoint();
    if (err instanceof FfmpegError && /received signal \d+|code null|code 255/.test(`${err.message}\n${err.stderrTail}`)) {
      await new Promise((r) => setTimeout(r, 250));
      checkpoint();
    }
    throw err;
  };

  const work = await fsp.mkdtemp(path.join(ctx.tmpDir ?? os.tmpdir(), `transcode-${job.id}-`));
  try {
    // 1. Download (streamed) and probe.
    const head = await storage.headObject(payload.sourceKey, { signal: workSignal }).catch(explain);
    if (!head) throw new PermanentJobError("The uploaded original is missing from storage.", payload.sourceKey);
    const sourceFile = path.join(work, `source${path.extname(payload.sourceKey) || ".bin"}`);
    const got = await storage.getObject(payload.sourceKey, { signal: workSignal }).catch(explain);
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        lease.setProgress(bytesProgress(received, head.contentLength, PROGRESS.claimed, PROGRESS.downloaded));
        done(null, chunk);
      },
    });
    await pipeline(got.body, counter, fs.createWriteStream(sourceFile), { signal: workSignal }).catch(explain);
    lease.setProgress(PROGRESS.downloaded);
    checkpoint();

    const info = await probeMedia(sourceFile, { signal: workSignal }).catch((err: unknown) => {
      if (err instanceof ProbeError) throw new PermanentJobError(err.message, err.detail);
      return explain(err);
    });
    const source = { width: info.width, height: info.height };
    const renditions = planRenditions(source, { hasAudio: info.hasAudio });
    const top = renditions[0];
    const fps = outputFps(info.fps);
    const duration = info.durationSeconds;

    // 2. Stale outputs of an earlier attempt go first (captions belong to the asset: kept).
    await lease.assertOwned();
    const prefix = lessonVideoPrefix(courseId, lessonId, asset.id);
    const stale = (await storage.listObjects(prefix)).filter((o) => !o.key.startsWith(`${prefix}captions/`));
    await mapLimit(stale, UPLOAD_CONCURRENCY, (o) => storage.deleteObject(o.key));

    const out = path.join(work, "out");
    await fsp.mkdir(out, { recursive: true });
    await transcodeLadder(
      {
        inputArgs: ["-i", sourceFile],
        video: info.videoStream,
        audio: info.audioStream,
        source,
        renditions,
        outDir: out,
        segmentSeconds: SEGMENT_SECONDS,
        fps,
      },
      { signal: workSignal, durationSeconds: duration, onProgress: (f) => lease.setProgress(transcodeProgress(f)) },
    ).catch(explain);
    lease.setProgress(PROGRESS.transcoded);
    checkpoint();

    const poster = path.join(out, "poster.jpg");
    const posterSize = { width: top.width, height: top.height };
    await runFfmpeg(posterArgs({ input: sourceFile, videoStream: info.videoStream, at: posterTime(duration), size: posterSize, out: poster }), {
      signal: workSignal,
    }).catch(explain);
    if (!fs.existsSync(poster) || fs.statSync(poster).size === 0) {
      // Seeking past the last decodable frame yields nothing: take the first frame.
      await runFfmpeg(posterArgs({ input: sourceFile, videoStream: info.videoStream, at: 0, size: posterSize, out: poster }), { signal: workSignal }).catch(
        explain,
      );
    }
    const thumbs = planThumbnails(duration, source);
    await runFfmpeg(spriteArgs({ input: sourceFile, videoStream: info.videoStream, plan: thumbs, out: path.join(out, "thumbnails.jpg") }), {
      signal: workSignal,
    }).catch(explain);
    await fsp.writeFile(path.join(out, "thumbnails.vtt"), thumbnailsVtt(thumbs, duration));
    lease.setProgress(PROGRESS.images);
    checkpoint();

    // 3. Upload, master playlist last.
    const files = uploadOrder(await walk(out));
    const sizes = new Map<string, number>();
    for (const rel of files) sizes.set(rel, (await fsp.stat(path.join(out, rel))).size);
    const total = [...sizes.values()].reduce((a, b) => a + b, 0);
    await lease.assertOwned();
    let sent = 0;
    const uploadOne = async (rel: string) => {
      const size = sizes.get(rel) ?? 0;
      await storage.putObject(lessonVideoObjectKey(courseId, lessonId, asset.id, rel), fs.createReadStream(path.join(out, rel)), {
        contentType: contentTypeFor(rel),
        cacheControl: cacheControlFor(rel),
        contentLength: size,
        signal: lease.signal,
      });
      sent += size;
      lease.setProgress(bytesProgress(sent, total, PROGRESS.images, PROGRESS.uploaded));
    };
    const media = files.filter((f) => !f.endsWith(".m3u8"));
    const playlists = files.filter((f) => f.endsWith(".m3u8") && f !== "master.m3u8");
    await mapLimit(media, UPLOAD_CONCURRENCY, uploadOne).catch(explain);
    await mapLimit(playlists, UPLOAD_CONCURRENCY, uploadOne).catch(explain);
    if (files.includes("master.m3u8")) await uploadOne("master.m3u8").catch(explain);
    else throw new Error("ffmpeg wrote no master playlist");
    lease.setProgress(PROGRESS.uploaded);

    // 4. Commit. From here on a shutdown waits for us (the transaction is short).
    await lease.assertOwned();
    const now = new Date();
    const renditionJson = renditionRecords(renditions);
    try {
      await db.$transaction([
        completeJobOperation(db, job.id, ctx.workerId, now),
        db.asset.update({
          where: { id: asset.id },
          data: {
            status: "READY",
            storageKey: lessonVideoMasterKey(courseId, lessonId, asset.id),
            contentType: "application/vnd.apple.mpegurl",
            durationSeconds: Math.round(duration * 1000) / 1000,
            width: top.width,
            height: top.height,
            renditions: renditionJson,
            bytes: BigInt(total),
            error: null,
          },
        }),
        // The swap: only if the lesson has no video, or an older one (a newer upload that
        // finished first wins; the lesson only ever points at a READY asset).
        db.lesson.updateMany({
          where: {
            id: lessonId,
            OR: [{ videoAssetId: null }, { videoAssetId: asset.id }, { video: { is: { createdAt: { lte: asset.createdAt } } } }],
          },
          data: { videoAssetId: asset.id },
        }),
      ]);
    } catch (err) {
      // P2025 from the fenced job update: another worker owns the job now.
      if ((err as { code?: string }).code === "P2025") throw new LeaseLostError(job.id);
      throw err;
    }
    await lease.stop();

    // 5. The previous video stops being referenced at the swap: remove it now.
    const lesson = await db.lesson.findUnique({ where: { id: lessonId }, select: { videoAssetId: true } });
    const removed = await removeSupersededVideos(db, storage, lessonId, ctx.log);
    return {
      assetId: asset.id,
      lessonId,
      durationSeconds: duration,
      renditions: renditions.map((r) => r.name),
      bytes: total,
      published: lesson?.videoAssetId === asset.id,
      removed,
    };
  } finally {
    await fsp.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Deletes the lesson's READY video assets that are older than the one the lesson plays
 * (replaced, or superseded by a newer upload): their objects under the video folder
 * (HLS, poster, thumbnails, captions), their uploaded originals, the caption rows stored in
 * that folder, then the asset row (jobs and upload rows go with it). Idempotent; a failure
 * leaves the row so a later run can finish the job. Returns the ids removed.
 */
export async function removeSupersededVideos(db: PrismaClient, storage: Storage, lessonId: string, log?: (line: string) => void): Promise<string[]> {
  const lesson = await db.lesson.findUnique({ where: { id: lessonId }, select: { video: { select: { id: true, createdAt: true } } } });
  const current = lesson?.video;
  if (!current) return [];
  const old = await db.asset.findMany({
    where: { lessonId, kind: "VIDEO", status: "READY", id: { not: current.id }, createdAt: { lte: current.createdAt } },
    select: { id: true, courseId: true, jobs: { select: { payload: true } }, upload: { select: { key: true } } },
  });
  const removed: string[] = [];
  for (const a of old) {
    try {
      const prefix = lessonVideoPrefix(a.courseId, lessonId, a.id);
      await storage.deletePrefix(prefix);
      const sources = new Set<string>();
      if (a.upload?.key) sources.add(a.upload.key);
      for (const j of a.jobs) {
        const key = (j.payload as Partial<TranscodePayload> | null)?.sourceKey;
        if (typeof key === "string" && key.startsWith("sources/")) sources.add(key);
      }
      for (const key of sources) await storage.deleteObject(key);
      await db.$transaction([
        db.asset.deleteMany({ where: { lessonId, kind: "CAPTION", storageKey: { startsWith: prefix } } }),
        // Still READY and still not the lesson's video (a concurrent swap back is impossible: older).
        db.asset.deleteMany({ where: { id: a.id, videoOfLesson: { is: null } } }),
      ]);
      removed.push(a.id);
    } catch (err) {
      log?.(`could not remove replaced video ${a.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return removed;
}

/** Text for Job.error / Asset.error from a failure: ffmpeg's own reason when it has one. */
export function describeFailure(err: unknown): { job: string; asset: string } {
  if (err instanceof FfmpegError) {
    return { job: `${err.message}\n${err.stderrTail}`.trim(), asset: `Transcoding failed: ${err.message}` };
  }
  if (err instanceof PermanentJobError) {
    return { job: err.detail ? `${err.message}\n${err.detail}` : err.message, asset: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { job: err instanceof Error && err.stack ? err.stack : message, asset: `Processing failed: ${message}` };
}
