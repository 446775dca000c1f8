import "server-only";

import { Prisma, type Job, type PrismaClient } from "@/lib/generated/prisma/client";

export { enqueueJob, type JobType, type TranscodePayload } from "./enqueue";

/**
 * The job queue, in the database (ADR 030). A worker owns a job while its lease
 * (`lockedBy` + `leaseUntil`) is current; it extends the lease with heartbeats, and a job
 * whose lease expired (the worker crashed or hung) is claimed again by another worker.
 *
 * Every state change that matters is one conditional UPDATE (compare-and-set): the WHERE
 * clause restates the state the caller believes in (`status = QUEUED`, or `lockedBy = me`),
 * and the affected-row count says whether it still held. This needs no row locks, no
 * `SELECT ... FOR UPDATE` and no isolation level above the default, so it behaves the
 * same on SQLite (one writer at a time: the UPDATE re-reads the row under the write lock)
 * and on Postgres (READ COMMITTED: a concurrent UPDATE of the same row waits for the first
 * one, then re-evaluates the WHERE against the committed row and matches nothing).
 *
 * All functions take the PrismaClient to use, so the worker, the app and tests each bring
 * their own.
 */

export type Db = PrismaClient;

/** Thrown by {@link retryJob} when there is nothing (or nothing failed) to retry. */
export class JobNotRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JobNotRetryableError";
  }
}

const MAX_ERROR_CHARS = 4000;

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

function isRecordNotFound(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025";
}

function leaseEnd(now: Date, leaseSeconds: number): Date {
  if (!(leaseSeconds > 0)) throw new RangeError(`leaseSeconds must be > 0 (got ${leaseSeconds})`);
  return new Date(now.getTime() + leaseSeconds * 1000);
}

export interface ClaimOptions {
  leaseSeconds: number;
  /** Only these job types (default: any). */
  types?: string[];
  /** Clock, for tests. */
  now?: () => Date;
  /** Compare-and-set attempts before giving up for this poll (each loss means another worker made progress). */
  maxRaces?: number;
}

/**
 * Claims the oldest runnable job for `workerId`: a QUEUED job whose `runAfter` has come, or
 * a RUNNING job whose lease expired (its worker crashed). Increments `attempts`, resets
 * `progress`, sets the lease. Returns null when there is nothing to do.
 *
 * Safe against concurrent claimers: the candidate is read, then taken with one UPDATE whose
 * WHERE repeats the claimability test (still QUEUED, or still RUNNING with an expired lease)
 * and the attempts counter read (a version number: every claim bumps it). Exactly one of two
 * racing UPDATEs matches the row; the loser sees 0 rows and tries the next candidate.
 *
 * A job found with an expired lease after `maxAttempts` claims (a job that keeps killing its
 * worker, e.g. out of memory) is failed here instead of being handed out again.
 */
export async function claimNextJob(db: Db, workerId: string, options: ClaimOptions): Promise<Job | null> {
  const clock = options.now ?? (() => new Date());
  const maxRaces = options.maxRaces ?? 10;
  for (let race = 0; race < maxRaces; race++) {
    const now = clock();
    const candidate = await db.job.findFirst({
      where: {
        ...(options.types ? { type: { in: options.types } } : {}),
        OR: [
          { status: "QUEUED", runAfter: { lte: now } },
          { status: "RUNNING", leaseUntil: { lt: now } },
        ],
      },
      orderBy: [{ runAfter: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      select: { id: true, status: true, attempts: true, maxAttempts: true, assetId: true, lockedBy: true },
    });
    if (!candidate) return null;

    // The same claimability test as the read, plus the version (attempts) we saw.
    const stillClaimable =
      candidate.status === "QUEUED"
        ? { status: "QUEUED" as const, runAfter: { lte: now } }
        : { status: "RUNNING" as const, leaseUntil: { lt: now } };

    if (candidate.status === "RUNNING" && candidate.attempts >= candidate.maxAttempts) {
      const reason = `The worker processing this job stopped responding ${candidate.attempts} time(s) (crash, out of memory or timeout); giving up.`;
      await abandon(db, candidate.id, candidate.assetId, { ...stillClaimable, attempts: candidate.attempts }, reason, now);
      continue;
    }

    const { count } = await db.job.updateMany({
      where: { id: candidate.id, attempts: candidate.attempts, ...stillClaimable },
      data: {
        status: "RUNNING",
        lockedBy: workerId,
        leaseUntil: leaseEnd(now, options.leaseSeconds),
        attempts: { increment: 1 },
        progress: 0,
        finishedAt: null,
      },
    });
    if (count === 1) return db.job.findUnique({ where: { id: candidate.id } });
    // Lost the race for this row: someone else claimed it (or it changed). Look again.
  }
  return null;
}

/** Fails a job that exhausted its attempts by crashing workers (compare-and-set, like a claim). */
async function abandon(db: Db, jobId: string, assetId: string | null, where: Omit<Prisma.JobWhereInput, "id">, reason: string, now: Date) {
  try {
    await db.$transaction([
      db.job.update({
        where: { id: jobId, ...where },
        data: { status: "FAILED", error: reason, lockedBy: null, leaseUntil: null, finishedAt: now },
      }),
      ...(assetId ? [db.asset.updateMany({ where: { id: assetId, status: { not: "READY" } }, data: { status: "FAILED", error: reason } })] : []),
    ]);
  } catch (err) {
    if (!isRecordNotFound(err)) throw err; // someone else took or failed it first
  }
}

/**
 * Extends the lease (and records progress 0-100) while `workerId` still owns the job.
 * Returns false when the job is no longer ours (lease stolen after expiry, job deleted with
 * its asset, or finished): the worker must stop working on it and must not write results.
 */
export async function heartbeat(
  db: Db,
  jobId: string,
  workerId: string,
  options: { leaseSeconds: number; progress?: number; now?: Date },
): Promise<boolean> {
  const now = options.now ?? new Date();
  const progress = options.progress === undefined ? undefined : Math.max(0, Math.min(100, Math.round(options.progress)));
  const { count } = await db.job.updateMany({
    where: { id: jobId, lockedBy: workerId, status: "RUNNING" },
    data: { leaseUntil: leaseEnd(now, options.leaseSeconds), ...(progress === undefined ? {} : { progress }) },
  });
  return count === 1;
}

/**
 * The fenced "job done" write, for use inside a batch `$transaction([...])` with the
 * result writes: throws P2025 (the transaction rolls back) if `workerId` no longer owns it.
 */
export function completeJobOperation(db: Db, jobId: string, workerId: string, now = new Date()) {
  return db.job.update({
    where: { id: jobId, lockedBy: workerId, status: "RUNNING" },
    data: { status: "SUCCEEDED", progress: 100, leaseUntil: null, error: null, finishedAt: now },
  });
}

/** Marks the job SUCCEEDED if `workerId` still owns it. Returns false if the lease was lost. */
export async function completeJob(db: Db, jobId: string, workerId: string): Promise<boolean> {
  try {
    await completeJobOperation(db, jobId, workerId);
    return true;
  } catch (err) {
    if (isRecordNotFound(err)) return false;
    throw err;
  }
}

/** Delay before attempt n+1 after n failed attempts: 30 s, 2 min, 8 min, ... capped at 30 min. */
export function retryBackoffSeconds(attempts: number): number {
  return Math.min(30 * 4 ** Math.max(0, attempts - 1), 30 * 60);
}

export type FailOutcome = "requeued" | "failed" | "lost";

/**
 * Records a failed attempt by `workerId`. Retryable and attempts left: back to QUEUED with a
 * backoff (`runAfter`), the asset stays PROCESSING. Otherwise FAILED, and the asset FAILED
 * with `error` (what the instructor sees). "lost" when the job was no longer ours (nothing
 * written).
 */
export async function failJob(
  db: Db,
  jobId: string,
  workerId: string,
  error: string,
  options: { retryable: boolean; backoffSeconds?: number; assetError?: string; now?: Date },
): Promise<FailOutcome> {
  const now = options.now ?? new Date();
  const job = await db.job.findFirst({ where: { id: jobId, lockedBy: workerId, status: "RUNNING" } });
  if (!job) return "lost";
  const message = clip(error);
  try {
    if (options.retryable && job.attempts < job.maxAttempts) {
      const delay = options.backoffSeconds ?? retryBackoffSeconds(job.attempts);
      await db.job.update({
        where: { id: jobId, lockedBy: workerId, status: "RUNNING" },
        data: { status: "QUEUED", lockedBy: null, leaseUntil: null, error: message, runAfter: new Date(now.getTime() + delay * 1000) },
      });
      return "requeued";
    }
    await db.$transaction([
      db.job.update({
        where: { id: jobId, lockedBy: workerId, status: "RUNNING" },
        data: { status: "FAILED", leaseUntil: null, error: message, finishedAt: now },
      }),
      ...(job.assetId
        ? [db.asset.updateMany({ where: { id: job.assetId, status: { not: "READY" } }, data: { status: "FAILED", error: clip(options.assetError ?? error) } })]
        : []),
    ]);
    return "failed";
  } catch (err) {
    if (isRecordNotFound(err)) return "lost";
    throw err;
  }
}

/**
 * Gives a job back without counting the attempt (graceful shutdown): QUEUED, runnable now.
 * Returns false if it was no longer ours.
 */
export async function releaseJob(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const { count } = await db.job.updateMany({
    where: { id: jobId, lockedBy: workerId, status: "RUNNING", attempts: { gt: 0 } },
    data: { status: "QUEUED", lockedBy: null, leaseUntil: null, attempts: { decrement: 1 }, runAfter: new Date() },
  });
  return count === 1;
}

/**
 * The instructor's "retry" for a video that failed: re-queues the latest job of the asset with
 * its attempts reset, and puts the asset back to PROCESSING. Only a FAILED job can be retried
 * (a queued or running one is already on its way; a succeeded one is playing). Concurrent
 * retries re-queue once. Throws {@link JobNotRetryableError} otherwise.
 */
export async function retryJob(db: Db, assetId: string): Promise<Job> {
  const job = await db.job.findFirst({ where: { assetId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  if (!job) throw new JobNotRetryableError("This video has no processing job to retry.");
  if (job.status !== "FAILED") {
    if (job.status === "QUEUED" || job.status === "RUNNING") return job; // already retrying: idempotent
    throw new JobNotRetryableError(`This video's last job ${job.status.toLowerCase()}; only a failed job can be retried.`);
  }
  try {
    const [requeued] = await db.$transaction([
      db.job.update({
        where: { id: job.id, status: "FAILED" },
        data: { status: "QUEUED", attempts: 0, progress: 0, runAfter: new Date(), lockedBy: null, leaseUntil: null, error: null, finishedAt: null },
      }),
      db.asset.update({ where: { id: assetId }, data: { status: "PROCESSING", error: null } }),
    ]);
    return requeued;
  } catch (err) {
    if (!isRecordNotFound(err)) throw err;
    // A concurrent retry won the compare-and-set (or the asset is gone).
    const now = await db.job.findUnique({ where: { id: job.id } });
    if (!now) throw new JobNotRetryableError("This video no longer exists.");
    return now;
  }
}
