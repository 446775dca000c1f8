import "server-only";

import crypto from "node:crypto";
import os from "node:os";

import type { Job, PrismaClient } from "../lib/generated/prisma/client";
import { claimNextJob, failJob, releaseJob } from "../lib/jobs/queue";
import type { Storage } from "../lib/storage/s3";
import { JobLease, LeaseLostError } from "./lease";
import { describeFailure, PermanentJobError, ShutdownError, transcodeJob, type TranscodeResult } from "./transcode";

export interface RunWorkerOptions {
  db: PrismaClient;
  storage: Storage;
  /** Unique per process (default hostname:pid:random). */
  workerId?: string;
  /** Abort to stop: no new claims; the job in progress is given back (or finishes if committing). */
  signal?: AbortSignal;
  /** Lease length (default 30 s); renewed every `heartbeatMs` (default a third of it). */
  leaseSeconds?: number;
  heartbeatMs?: number;
  /** Idle poll interval (default 1 s). */
  pollMs?: number;
  /** Stop after this many jobs (CLI `--once` = 1). */
  maxJobs?: number;
  /** Parent of the per-job scratch directories (default os.tmpdir()). */
  tmpDir?: string;
  log?: (line: string) => void;
  /** Hooks for tests and metrics. */
  onClaim?: (job: Job, workerId: string) => void;
  onProgress?: (jobId: string, progress: number) => void;
  onDone?: (job: Job, outcome: JobOutcome) => void;
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

/**
 * The worker loop: claim the oldest runnable transcode job (lease in the database, ADR 030),
 * run it with the lease kept alive, record the outcome; poll when idle. Returns when
 * `signal` is aborted (after giving back or finishing the current job) or after `maxJobs`.
 */
export async function runWorker(options: RunWorkerOptions): Promise<{ processed: number; workerId: string }> {
  const workerId = options.workerId ?? newWorkerId();
  const leaseSeconds = options.leaseSeconds ?? 30;
  const pollMs = options.pollMs ?? 1000;
  const log = options.log ?? ((line: string) => console.log(`worker: ${line}`));
  let processed = 0;
  while (!options.signal?.aborted && (options.maxJobs === undefined || processed < options.maxJobs)) {
    let job: Job | null;
    try {
      job = await claimNextJob(options.db, workerId, { leaseSeconds, types: ["transcode"] });
    } catch (err) {
      log(`claim failed: ${err instanceof Error ? err.message : String(err)}`);
      await sleep(pollMs, options.signal);
      continue;
    }
    if (!job) {
      await sleep(pollMs, options.signal);
      continue;
    }
    options.onClaim?.(job, workerId);
    const outcome = await processJob(job, { ...options, workerId, leaseSeconds, log });
    options.onDone?.(job, outcome);
    processed++;
  }
  return { processed, workerId };
}

/** Runs one claimed job and records its outcome (succeeded, re-queued, failed, lost, released). Never throws. */
export async function processJob(
  job: Job,
  o: RunWorkerOptions & { workerId: string; leaseSeconds: number; log: (line: string) => void },
): Promise<JobOutcome> {
  const started = Date.now();
  const lease = new JobLease({
    db: o.db,
    jobId: job.id,
    workerId: o.workerId,
    leaseSeconds: o.leaseSeconds,
    heartbeatMs: o.heartbeatMs,
    onProgress: (p) => o.onProgress?.(job.id, p),
    log: o.log,
  }).start();
  const what = `job ${job.id} (asset ${job.assetId ?? "-"}, attempt ${job.attempts}/${job.maxAttempts})`;
  const secs = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  try {
    const result = await transcodeJob({
      db: o.db,
      storage: o.storage,
      job,
      workerId: o.workerId,
      lease,
      shutdown: o.signal,
      tmpDir: o.tmpDir,
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
      o.log(`${what}: lease lost after ${secs()}, abandoned (another worker owns it now)`);
      return { status: "lost" };
    }
    if (err instanceof ShutdownError) {
      const ok = await releaseJob(o.db, job.id, o.workerId).catch(() => false);
      o.log(`${what}: ${ok ? "released" : "could not release (lease lost)"} on shutdown after ${secs()}`);
      return ok ? { status: "released" } : { status: "lost" };
    }
    const text = describeFailure(err);
    const retryable = !(err instanceof PermanentJobError);
    try {
      const outcome = await failJob(o.db, job.id, o.workerId, text.job, { retryable, assetError: text.asset });
      if (outcome === "lost") {
        o.log(`${what}: failed after losing the lease (${firstLine(text.asset)})`);
        return { status: "lost" };
      }
      o.log(`${what}: ${outcome === "requeued" ? "will retry" : "FAILED"} after ${secs()}: ${firstLine(text.asset)}`);
      return { status: outcome, error: text.asset };
    } catch (dbErr) {
      // The lease will expire and another worker will pick the job up again.
      o.log(`${what}: failed (${firstLine(text.asset)}) and could not record it: ${dbErr instanceof Error ? dbErr.message : String(dbErr)}`);
      return { status: "lost" };
    }
  } finally {
    await lease.stop();
  }
}
