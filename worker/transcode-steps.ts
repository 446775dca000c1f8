import "server-only";

import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import { removeSupersededVideos, swapLessonVideo, type TranscodedVideo } from "../lib/assets";
import type { Prisma, PrismaClient } from "../lib/generated/prisma/client";
import { contentTypeFor } from "../lib/storage/content-types";
import { lessonVideoObjectKey, lessonVideoPrefix, THUMBNAILS_SPRITE, THUMBNAILS_VTT, videoOriginalKey } from "../lib/storage/keys";
import type { Storage } from "../lib/storage/s3";
import { checkContents, SNIFF_BYTES, type VideoContainer } from "../lib/uploads/sniff";
import { PermanentJobError } from "./errors";
import { FfmpegError, FfmpegTimeoutError, runFfmpeg, transcodeLadder, type FfmpegDeadline } from "./ffmpeg";
import { DEMUXERS, inputArgs, spriteArgs, type MediaInput } from "./ffmpeg-args";
import {
  bytesProgress,
  cacheControlFor,
  ffmpegTimeLimitSeconds,
  outputFps,
  planRenditions,
  planThumbnails,
  posterArgs,
  posterTime,
  PROGRESS,
  renditionRecords,
  SEGMENT_SECONDS,
  spriteFilter,
  thumbnailsVtt,
  transcodeProgress,
  uploadOrder,
  type PlannedRendition,
  type ThumbnailPlan,
} from "./plan";
import { ProbeError, probeMedia, type MediaInfo } from "./probe";

/**
 * The steps of a transcode (ADR 031), each with its input and output. They know nothing of the
 * job queue: whoever runs them supplies a StepContext (today worker/transcode.ts, from the
 * job's lease).
 */
export interface StepContext {
  db: PrismaClient;
  storage: Storage;
  /** Aborted when the work must stop: the job is no longer ours, or the worker shuts down. */
  work: AbortSignal;
  /** Aborted only when the job is no longer ours (uploads in flight finish on shutdown). */
  owned: AbortSignal;
  /** Throws when the job is no longer ours or the worker is shutting down (between steps). */
  checkpoint(): void;
  /** Renews ownership now and throws unless the job is still ours: before destructive storage steps. */
  assertOwned(): Promise<void>;
  /** Progress 0-100 (PROGRESS in worker/plan.ts). */
  setProgress(progress: number): void;
  /** The job's fenced "succeeded" write inside the swap's transaction; throws lostError() when the job is no longer ours. */
  complete(tx: Prisma.TransactionClient): Promise<void>;
  /** The error for a fenced write that found the job no longer ours. */
  lostError(): Error;
  /** WORKER_FFMPEG_TIMEOUT_SECONDS; unset: the automatic limit (worker/plan.ts ffmpegTimeLimitSeconds). */
  ffmpegTimeoutSeconds?: number;
  log?: (line: string) => void;
}

/** The probed source and what is made of it. */
export interface SourcePlan {
  input: MediaInput;
  /** The time limit of the job's ffmpeg runs, from the probe on. */
  deadline: FfmpegDeadline;
  info: MediaInfo & { durationSeconds: number };
  source: { width: number; height: number };
  /** Top rendition first. */
  renditions: PlannedRendition[];
  fps: number;
  /** The thumbnail sprite, made in the ladder's pass. */
  thumbnails: ThumbnailPlan;
}

const UPLOAD_CONCURRENCY = 4;

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

function describeLimit(seconds: number): string {
  return seconds >= 120 ? `${Math.round(seconds / 60)} minutes` : `${seconds} second${seconds === 1 ? "" : "s"}`;
}

/**
 * A step failed: if it was because we aborted it (lease lost, shutdown), say so instead; past
 * the time limit, fail for good (a source that slow is no better on another attempt; the
 * instructor's Retry starts again). ffmpeg interrupted by a terminal's Ctrl-C may exit before
 * our own handler has run: give the handler a moment before calling it a failure.
 */
function explain(ctx: StepContext) {
  return async (err: unknown): Promise<never> => {
    ctx.checkpoint();
    if (err instanceof FfmpegTimeoutError) {
      throw new PermanentJobError(
        `Processing took too long and was stopped after ${describeLimit(err.limitSeconds)}: try again, or upload a shorter or re-exported video.`,
        `${err.message}\n${err.stderrTail}`.trim(),
      );
    }
    if (err instanceof FfmpegError && /received signal \d+|code null|code 255/.test(`${err.message}\n${err.stderrTail}`)) {
      await new Promise((r) => setTimeout(r, 250));
      ctx.checkpoint();
    }
    throw err;
  };
}

/** The lesson video the job is for. */
export async function findVideo(ctx: StepContext, assetId: string): Promise<TranscodedVideo> {
  const asset = await ctx.db.asset.findUnique({ where: { id: assetId } });
  if (!asset) throw new PermanentJobError("The video asset no longer exists.");
  if (asset.kind !== "VIDEO" || !asset.lessonId) throw new PermanentJobError("The asset is not a lesson video.");
  return { id: asset.id, courseId: asset.courseId, lessonId: asset.lessonId, createdAt: asset.createdAt };
}

/**
 * Streams the video's verified original (the server's copy, never the upload key: ADR 046)
 * into the scratch directory (progress 0-5), then checks what it downloaded. Returns the file
 * and the demuxer ffmpeg must read it with.
 */
export async function downloadSource(ctx: StepContext, video: TranscodedVideo, sourceKey: string, scratch: string): Promise<MediaInput> {
  if (sourceKey !== videoOriginalKey(video.courseId, video.id)) {
    throw new PermanentJobError("The job does not name this video's verified original: upload the video again.", sourceKey);
  }
  const head = await ctx.storage.headObject(sourceKey, { signal: ctx.work }).catch(explain(ctx));
  if (!head) throw new PermanentJobError("The uploaded original is missing from storage: upload the video again.", sourceKey);
  const sourceFile = path.join(scratch, "source");
  const got = await ctx.storage.getObject(sourceKey, { signal: ctx.work }).catch(explain(ctx));
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      ctx.setProgress(bytesProgress(received, head.contentLength, PROGRESS.claimed, PROGRESS.downloaded));
      done(null, chunk);
    },
  });
  await pipeline(got.body, counter, fs.createWriteStream(sourceFile), { signal: ctx.work }).catch(explain(ctx));
  ctx.setProgress(PROGRESS.downloaded);
  ctx.checkpoint();
  return { file: sourceFile, demuxer: DEMUXERS[await sniffSource(sourceFile)] };
}

/**
 * The downloaded bytes are a video container by the same magic-byte rules as the upload's
 * completion (lib/uploads/sniff.ts); anything else (an HLS playlist, a concat script, text, an
 * image…) fails for good before ffmpeg sees it.
 */
async function sniffSource(file: string): Promise<VideoContainer> {
  const handle = await fsp.open(file, "r");
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(SNIFF_BYTES, size));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const contents = checkContents("VIDEO", head.subarray(0, bytesRead), { truncated: size > bytesRead });
    if (!contents.ok) throw new PermanentJobError(contents.message, `magic bytes: ${contents.format}`);
    return contents.format as VideoContainer;
  } finally {
    await handle.close();
  }
}

/** Probes the source (not a video: permanent failure), starts the job's ffmpeg clock and plans the ladder. */
export async function probeSource(ctx: StepContext, input: MediaInput): Promise<SourcePlan> {
  const deadline = { startedAt: Date.now(), limitSeconds: ffmpegTimeLimitSeconds(null, ctx.ffmpegTimeoutSeconds) };
  const info = await probeMedia(input, { signal: ctx.work, deadline }).catch((err: unknown) => {
    if (err instanceof ProbeError) throw new PermanentJobError(err.message, err.detail);
    return explain(ctx)(err);
  });
  // From now on the limit follows the video's duration (unless a fixed one is configured).
  deadline.limitSeconds = ffmpegTimeLimitSeconds(info.durationSeconds, ctx.ffmpegTimeoutSeconds);
  const source = { width: info.width, height: info.height };
  return {
    input,
    deadline,
    info,
    source,
    renditions: planRenditions(source, { hasAudio: info.hasAudio }),
    fps: outputFps(info.fps),
    thumbnails: planThumbnails(info.durationSeconds, source),
  };
}

/** Deletes what an earlier attempt left in the video's folder (its captions are kept). Owner only. */
export async function clearStaleOutputs(ctx: StepContext, video: TranscodedVideo): Promise<void> {
  await ctx.assertOwned();
  const prefix = lessonVideoPrefix(video.courseId, video.lessonId, video.id);
  const stale = (await ctx.storage.listObjects(prefix)).filter((o) => !o.key.startsWith(`${prefix}captions/`));
  await mapLimit(stale, UPLOAD_CONCURRENCY, (o) => ctx.storage.deleteObject(o.key));
}

/**
 * ffmpeg, one pass over the source: the HLS ladder and the thumbnail sprite into
 * `<scratch>/out` (progress 5-85). Returns that directory.
 */
export async function encodeLadder(ctx: StepContext, plan: SourcePlan, scratch: string): Promise<string> {
  const out = path.join(scratch, "out");
  await fsp.mkdir(out, { recursive: true });
  const { info } = plan;
  await transcodeLadder(
    {
      inputArgs: inputArgs(plan.input),
      video: info.videoStream,
      audio: info.audioStream,
      source: plan.source,
      renditions: plan.renditions,
      outDir: out,
      segmentSeconds: SEGMENT_SECONDS,
      fps: plan.fps,
    },
    { signal: ctx.work, deadline: plan.deadline, durationSeconds: info.durationSeconds, onProgress: (f) => ctx.setProgress(transcodeProgress(f)) },
  ).catch(explain(ctx));
  ctx.setProgress(PROGRESS.transcoded);
  ctx.checkpoint();
  return out;
}

/** Poster (frame at 10 %, else the first), the thumbnail sprite and thumbnails.vtt into `out` (progress 90). */
export async function renderImages(ctx: StepContext, plan: SourcePlan, out: string): Promise<void> {
  const { info, input } = plan;
  const duration = info.durationSeconds;
  const ffmpeg = (args: string[]) => runFfmpeg(args, { signal: ctx.work, deadline: plan.deadline }).catch(explain(ctx));
  const poster = path.join(out, "poster.jpg");
  const size = { width: plan.renditions[0].width, height: plan.renditions[0].height };
  await ffmpeg(posterArgs({ input, videoStream: info.videoStream, at: posterTime(duration), size, out: poster }));
  if (!fs.existsSync(poster) || fs.statSync(poster).size === 0) {
    // Seeking past the last decodable frame yields nothing: take the first frame.
    await ffmpeg(posterArgs({ input, videoStream: info.videoStream, at: 0, size, out: poster }));
  }
  await ffmpeg(spriteArgs({ input, videoStream: info.videoStream, filter: spriteFilter(plan.thumbnails), out: path.join(out, THUMBNAILS_SPRITE) }));
  await fsp.writeFile(path.join(out, THUMBNAILS_VTT), thumbnailsVtt(plan.thumbnails, duration, THUMBNAILS_SPRITE));
  ctx.setProgress(PROGRESS.images);
  ctx.checkpoint();
}

/**
 * Uploads everything in `out` under the video's folder with deterministic keys (a re-run
 * overwrites): media, then rendition playlists, the master playlist last (progress 90-99).
 * Owner only; a shutdown lets it finish. Returns the bytes uploaded.
 */
export async function uploadOutputs(ctx: StepContext, video: TranscodedVideo, out: string): Promise<number> {
  const files = uploadOrder(await walk(out));
  const sizes = new Map<string, number>();
  for (const rel of files) sizes.set(rel, (await fsp.stat(path.join(out, rel))).size);
  const total = [...sizes.values()].reduce((a, b) => a + b, 0);
  await ctx.assertOwned();
  let sent = 0;
  const uploadOne = async (rel: string) => {
    const size = sizes.get(rel) ?? 0;
    await ctx.storage.putObject(lessonVideoObjectKey(video.courseId, video.lessonId, video.id, rel), fs.createReadStream(path.join(out, rel)), {
      contentType: contentTypeFor(rel),
      cacheControl: cacheControlFor(rel),
      contentLength: size,
      signal: ctx.owned,
    });
    sent += size;
    ctx.setProgress(bytesProgress(sent, total, PROGRESS.images, PROGRESS.uploaded));
  };
  const media = files.filter((f) => !f.endsWith(".m3u8"));
  const playlists = files.filter((f) => f.endsWith(".m3u8") && f !== "master.m3u8");
  await mapLimit(media, UPLOAD_CONCURRENCY, uploadOne).catch(explain(ctx));
  await mapLimit(playlists, UPLOAD_CONCURRENCY, uploadOne).catch(explain(ctx));
  if (files.includes("master.m3u8")) await uploadOne("master.m3u8").catch(explain(ctx));
  else throw new Error("ffmpeg wrote no master playlist");
  ctx.setProgress(PROGRESS.uploaded);
  return total;
}

/**
 * One transaction with the fenced "job succeeded": the asset READY with its outputs, and the
 * lesson swapped to it unless it already plays a newer video (lib/assets swapLessonVideo).
 * Owner only; throws ctx.lostError() when the fence finds the job no longer ours.
 */
export async function commitSwap(ctx: StepContext, video: TranscodedVideo, plan: SourcePlan, bytes: number): Promise<void> {
  await ctx.assertOwned();
  const top = plan.renditions[0];
  const outputs = {
    durationSeconds: plan.info.durationSeconds,
    width: top.width,
    height: top.height,
    renditions: renditionRecords(plan.renditions),
    bytes,
    // renderImages wrote the sprite and its VTT (or the job failed before this).
    hasThumbnails: true,
  };
  await ctx.db.$transaction(async (tx) => {
    await ctx.complete(tx);
    for (const write of swapLessonVideo(tx, video, outputs)) await write;
  });
}

/**
 * After the swap: whether the lesson plays this video (false: a newer one was already READY),
 * and the lesson's older videos removed (lib/assets removeSupersededVideos; ADR 031).
 */
export async function cleanUp(ctx: StepContext, video: TranscodedVideo): Promise<{ published: boolean; removed: string[] }> {
  const lesson = await ctx.db.lesson.findUnique({ where: { id: video.lessonId }, select: { videoAssetId: true } });
  const removed = await removeSupersededVideos({ db: ctx.db, storage: ctx.storage }, video.lessonId, ctx.log);
  return { published: lesson?.videoAssetId === video.id, removed };
}
