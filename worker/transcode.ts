import "server-only";

import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";

import type { PrismaClient } from "../lib/generated/prisma/client";
import { completeInTransaction, type Attempt } from "../lib/jobs/attempt";
import { parseTranscodePayload, type TranscodePayload } from "../lib/jobs/queues";
import type { Storage } from "../lib/storage/s3";
import { PermanentJobError, ShutdownError } from "./errors";
import { LeaseLostError, type JobLease } from "./lease";
import {
  cleanUp,
  clearStaleOutputs,
  commitSwap,
  downloadSource,
  encodeLadder,
  findVideo,
  probeSource,
  renderImages,
  uploadOutputs,
  type StepContext,
} from "./transcode-steps";

export { describeFailure, PermanentJobError, ShutdownError } from "./errors";

export interface TranscodeContext {
  db: PrismaClient;
  storage: Storage;
  attempt: Attempt;
  lease: JobLease;
  /** Aborted when the worker should stop (SIGTERM): the job is given back, unless it is already committing. */
  shutdown?: AbortSignal;
  /** Parent of the per-job scratch directory (default os.tmpdir()). */
  tmpDir?: string;
  /** Fixed time limit of the job's ffmpeg runs (WORKER_FFMPEG_TIMEOUT_SECONDS); default max(600 s, 6 × duration). */
  ffmpegTimeoutSeconds?: number;
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

export function payloadOf(attempt: Attempt): TranscodePayload {
  const p = parseTranscodePayload(attempt.data);
  if (!p) throw new PermanentJobError("The job payload lacks assetId/sourceKey.");
  return p;
}

/** The steps' view of the job: its lease (ownership, progress, the fenced completion) and the shutdown signal. */
function stepContext(ctx: TranscodeContext): StepContext {
  const { db, attempt, lease } = ctx;
  return {
    db,
    storage: ctx.storage,
    // Aborts ffmpeg and transfers on a lost lease or on shutdown.
    work: AbortSignal.any([lease.signal, ...(ctx.shutdown ? [ctx.shutdown] : [])]),
    owned: lease.signal,
    checkpoint: () => {
      if (lease.lost) throw lease.signal.reason as Error;
      if (ctx.shutdown?.aborted) throw new ShutdownError();
    },
    assertOwned: () => lease.assertOwned(),
    setProgress: (progress) => lease.setProgress(progress),
    complete: (tx) => completeInTransaction(tx, attempt, { assetId: payloadOf(attempt).assetId }),
    lostError: () => new LeaseLostError(attempt.id),
    ffmpegTimeoutSeconds: ctx.ffmpegTimeoutSeconds,
    log: ctx.log,
  };
}

/**
 * Runs one transcode job end to end (ADR 031, 046), each step in worker/transcode-steps.ts:
 *  1. the video's verified original (`originals/…`, the server's copy of the upload) streamed
 *     to a scratch directory, its magic bytes checked again, then probed with the demuxer
 *     they name (every ffmpeg run: that demuxer forced, local files only, one time limit);
 *  2. stale outputs of an earlier attempt removed from the asset's video folder (its captions
 *     are kept), then ffmpeg: one pass decoding the source once for the HLS ladder (never
 *     upscaled, ~6 s segments) and the thumbnail sprite (ADR 052), then the poster (frame at
 *     10 %) and thumbnails.vtt;
 *  3. everything uploaded under the video folder with deterministic keys, master playlist last;
 *  4. in one transaction fenced by the attempt: job completed, asset READY, and
 *     `lesson.videoAssetId` = this asset unless a newer upload of the lesson is already READY;
 *  5. the lesson's older video assets removed (objects, source, captions, row).
 * Ownership is checked right before each destructive storage step and the commit. The verified
 * original is kept (re-transcoding stays possible).
 */
export async function transcodeJob(ctx: TranscodeContext): Promise<TranscodeResult> {
  const payload = payloadOf(ctx.attempt);
  const steps = stepContext(ctx);
  const video = await findVideo(steps, payload.assetId);
  const scratch = await fsp.mkdtemp(path.join(ctx.tmpDir ?? os.tmpdir(), `transcode-${ctx.attempt.id}-`));
  try {
    const input = await downloadSource(steps, video, payload.sourceKey, scratch);
    const plan = await probeSource(steps, input);
    await clearStaleOutputs(steps, video);
    const out = await encodeLadder(steps, plan, scratch);
    await renderImages(steps, plan, out);
    const bytes = await uploadOutputs(steps, video, out);
    // From here on a shutdown waits for us (the transaction is short).
    await commitSwap(steps, video, plan, bytes);
    await ctx.lease.stop();
    const { published, removed } = await cleanUp(steps, video);
    return {
      assetId: video.id,
      lessonId: video.lessonId,
      durationSeconds: plan.info.durationSeconds,
      renditions: plan.renditions.map((r) => r.name),
      bytes,
      published,
      removed,
    };
  } finally {
    await fsp.rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}
