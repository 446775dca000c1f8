import "server-only";

import crypto from "node:crypto";
import os from "node:os";

import type PgBoss from "pg-boss";
import type { PrismaClient } from "../lib/generated/prisma/client";
import { attemptLabel, fail, release, type Attempt } from "../lib/jobs/attempt";
import { QUEUES } from "../lib/jobs/queues";
import type { Storage } from "../lib/storage/s3";
import { runHousekeeping } from "./housekeeping";
import { JobLease, LeaseLostError } from "./lease";
import { describeFailure, PermanentJobError, ShutdownError, transcodeJob, type TranscodeResult } from "./transcode";

export interface RunWorkerOptions {
  db: PrismaClient;
  storage: Storage;
  /** The worker's pg-boss (lib/jobs/boss.ts startBoss role "worker"). */
  boss: PgBoss;
  /** Unique per process (default hostname:pid:random); shows in logs. */
  workerId?: string;
  /** Abort to stop: nothing new is fetched; the job in progress is given back (or finishes if committing). */
  signal?: AbortSignal;
  /** Visibility timeout renewed by heartbeats (default 30 s), every `heartbeatMs` (default a third of it). */
  leaseSeconds?: number;
  heartbeatMs?: number;
  /** Idle poll interval (default 1 s). */
  pollMs?: number;
  /** Stop after this many transcode jobs (CLI `--once` = 1). */
  maxJobs?: number;
  /** Parent of the per-job scratch directories (default os.tmpdir()). */
  tmpDir?: string;
  /** Fixed time limit of a job's ffmpeg runs (WORKER_FFMPEG_TIMEOUT_SECONDS); default max(600 s, 6 × duration). */
  ffmpegTimeoutSeconds?: number;
  log?: (line: string) => void;
  /** Hooks for tests, health and metrics. */
  onFetch?: (attempt: Attempt, workerId: string) => void;
  onProgress?: (jobId: string, progress: number) => void;
  onDone?: (attempt: Attempt, outcome: JobOutcome) => void;
  /** Called with true while a job is in hand (health endpoint). */
  onBusy?: (busy: boolean) => void;
}

export type JobOutcome =
  | { status: "succeeded"; result: TranscodeResult }
  | { status: "requeued" | "failed"; error: string }
  | { status: "lost" }
  | { status: "released" };

export function newWorkerId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString("hex")}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

function firstLine(text: string): string {
  return text.split("\n")[0].slice(0, 300);
}

const MB = 1024 * 1024;

/** One transcode attempt from pg-boss (SKIP LOCKED: two workers never fetch the same job), or null. */
async function fetchTranscode(boss: PgBoss): Promise<Attempt | null> {
  const [job] = await boss.fetch<unknown>(QUEUES.transcode, { batchSize: 1, includeMetadata: true });
  if (!job) return null;
  return { queue: QUEUES.transcode, id: job.id, retryCount: job.retryCount, retryLimit: job.retryLimit, data: job.data };
}

/**
 * The worker loop: fetch the oldest runnable transcode job (pg-boss), run it with heartbeats
 * extending its visibility timeout, record the outcome; between jobs, housekeeping (dead
 * letters, abandoned uploads); poll when idle. Returns when `signal` is aborted (after giving
 * back or finishing the current job) or after `maxJobs`.
 */
export async function runWorker(options: RunWorkerOptions): Promise<{ processed: number; workerId: string }> {
  const workerId = options.workerId ?? newWorkerId();
  const leaseSeconds = options.leaseSeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const log = options.log ?? ((line: string) => console.log(`worker: ${line}`));
  let processed = 0;
  while (!options.signal?.aborted && (options.maxJobs === undefined || processed < options.maxJobs)) {
    let attempt: Attempt | null;
    try {
      await runHousekeeping({ db: options.db, storage: options.storage, boss: options.boss, log });
      attempt = await fetchTranscode(options.boss);
    } catch (err) {
      log(`fetch failed: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(pollMs, options.signal);
      continue;
    }
    if (!attempt) {
      await sleep(pollMs, options.signal);
      continue;
    }
    options.onFetch?.(attempt, workerId);
    options.onBusy?.(true);
    const outcome = await processJob(attempt, { ...options, workerId, leaseSeconds, log });
    options.onBusy?.(false);
    options.onDone?.(attempt, outcome);
    processed++;
  }
  return { processed, workerId };
}

/** Runs one fetched attempt and records its outcome (succeeded, re-queued, failed, lost, released). Never throws. */
export async function processJob(
  attempt: Attempt,
  o: RunWorkerOptions & { workerId: string; leaseSeconds: number; log: (line: string) => void },
): Promise<JobOutcome> {
  const started = Date.now();
  const assetId = (attempt.data as { assetId?: unknown } | null)?.assetId;
  const lease = new JobLease({
    db: o.db,
    attempt,
    assetId: typeof assetId === "string" ? assetId : undefined,
    leaseSeconds: o.leaseSeconds,
    heartbeatMs: o.heartbeatMs,
    onProgress: (p) => o.onProgress?.(attempt.id, p),
    log: o.log,
  }).start();
  const what = `job ${attempt.id} (asset ${typeof assetId === "string" ? assetId : "-"}, ${attemptLabel(attempt)})`;
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  try {
    const result = await transcodeJob({
      db: o.db,
      storage: o.storage,
      attempt,
      lease,
      shutdown: o.signal,
      tmpDir: o.tmpDir,
      ffmpegTimeoutSeconds: o.ffmpegTimeoutSeconds,
      log: o.log,
    });
    o.log(
      `${what}: READY in ${secs()}; ${result.renditions.join("+")}, ${result.durationSeconds.toFixed(1)}s video, ${(result.bytes / MB).toFixed(1)} MB` +
        (result.published ? "" : "; a newer video of the lesson was already live, this one was discarded") +
        (result.removed.length ? `; removed replaced ${result.removed.join(", ")}` : ""),
    );
    return { status: "succeeded", result };
  } catch (err) {
    await lease.stop();
    if (err instanceof LeaseLostError) {
      o.log(`${what}: lost after ${secs()} (its visibility timeout expired; another worker owns it now), abandoned`);
      return { status: "lost" };
    }
    if (err instanceof ShutdownError) {
      const ok = await release(o.db, attempt).catch(() => false);
      o.log(`${what}: ${ok ? "given back to the queue" : "could not be given back (no longer ours)"} on shutdown after ${secs()}`);
      return ok ? { status: "released" } : { status: "lost" };
    }
    return recordFailure(attempt, err, o, what, secs);
  } finally {
    await lease.stop();
  }
}

async function recordFailure(
  attempt: Attempt,
  err: unknown,
  o: RunWorkerOptions & { log: (line: string) => void },
  what: string,
  secs: () => string,
): Promise<JobOutcome> {
  const text = describeFailure(err);
  const retryable = !(err instanceof PermanentJobError);
  const assetId = (attempt.data as { assetId?: unknown } | null)?.assetId;
  try {
    const outcome = await fail(o.db, o.boss, attempt, { message: firstLine(text.asset), detail: text.job }, {
      retryable,
      // No other attempt: the instructor sees the reason and a Retry button.
      onFinalFailure: async (tx) => {
        if (typeof assetId !== "string") return;
        await tx.asset.updateMany({
          where: { id: assetId, status: { not: "READY" } },
          data: { status: "FAILED", error: text.asset, progress: null, transcodeFailedAt: new Date() },
        });
      },
    });
    if (outcome === "lost") {
      o.log(`${what}: failed after losing the job (${firstLine(text.asset)})`);
      return { status: "lost" };
    }
    o.log(`${what}: ${outcome === "requeued" ? "will retry" : "FAILED"} after ${secs()}: ${firstLine(text.asset)}`);
    return { status: outcome, error: text.asset };
  } catch (dbErr) {
    // The visibility timeout will expire and another worker will fetch the job again.
    o.log(`${what}: failed (${firstLine(text.asset)}) and could not record it: ${dbErr instanceof Error ? dbErr.message : String(dbErr)}`);
    return { status: "lost" };
  }
}
