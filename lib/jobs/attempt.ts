import "server-only";
import type PgBoss from "pg-boss";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { inTransaction } from "./boss";

/**
 * One attempt at a pg-boss job, owned by the worker that fetched it, and the few writes that
 * must be fenced by that ownership (ADR 034). pg-boss gives each fetch of a job a new
 * `retry_count` (or the same one after a release), so (queue, id, retry_count, state =
 * 'active') names exactly one attempt: after its visibility timeout has expired and another
 * worker has fetched the job, the old owner's writes match nothing.
 *
 * pg-boss 10 has no heartbeat and no release, so this module adds the two statements it needs
 * on pg-boss's own table (`pgboss.job`): extending the attempt's `expire_in` and giving the job
 * back without counting the attempt. Completion runs pg-boss's own statement shape inside the
 * caller's Prisma transaction, fenced the same way; failure goes through `boss.fail`.
 */
export interface Attempt<T = unknown> {
  queue: string;
  id: string;
  /** pg-boss retry_count at fetch: 0 for the first attempt. */
  retryCount: number;
  retryLimit: number;
  data: T;
}

type Db = PrismaClient | Prisma.TransactionClient;

const FENCE = `name = $1 AND id = $2::uuid AND retry_count = $3 AND state = 'active'`;
const fence = (a: Attempt) => [a.queue, a.id, a.retryCount] as const;

/** The job is no longer this attempt's (expired and fetched again, or gone): stop, write nothing. */
export class AttemptLostError extends Error {
  constructor(readonly jobId: string) {
    super(`Lost job ${jobId}: its visibility timeout expired or another worker owns it now`);
    this.name = "AttemptLostError";
  }
}

/** "attempt 2/3" */
export function attemptLabel(a: Attempt): string {
  return `attempt ${a.retryCount + 1}/${a.retryLimit + 1}`;
}

/** Extends the attempt's visibility timeout to `leaseSeconds` from now. False = no longer ours. */
export async function heartbeat(db: Db, a: Attempt, leaseSeconds: number): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE pgboss.job SET expire_in = (now() - started_on) + make_interval(secs => $4) WHERE ${FENCE}`,
    ...fence(a),
    leaseSeconds,
  );
  return n === 1;
}

/**
 * Gives the job back, runnable now, without counting this attempt (graceful shutdown):
 * `started_on` is cleared, so pg-boss's next fetch keeps the retry count. False = not ours.
 */
export async function release(db: Db, a: Attempt): Promise<boolean> {
  const n = await db.$executeRawUnsafe(`UPDATE pgboss.job SET state = 'retry', start_after = now(), started_on = NULL WHERE ${FENCE}`, ...fence(a));
  return n === 1;
}

/**
 * Marks the attempt completed inside the caller's transaction; throws {@link AttemptLostError}
 * (rolling the transaction back) when it is no longer ours, so a worker that lost its job can
 * never publish results.
 */
export async function completeInTransaction(tx: Prisma.TransactionClient, a: Attempt, output: object = {}): Promise<void> {
  const n = await tx.$executeRawUnsafe(
    `UPDATE pgboss.job SET state = 'completed', completed_on = now(), output = $4::jsonb WHERE ${FENCE}`,
    ...fence(a),
    JSON.stringify(output),
  );
  if (n !== 1) throw new AttemptLostError(a.id);
}

export type FailOutcome = "requeued" | "failed" | "lost";

/**
 * Records a failed attempt: retried by pg-boss with backoff while attempts remain and the
 * failure is `retryable`, else failed for good (and copied to the queue's dead letter queue).
 * `onFinalFailure` runs in the same transaction when there will be no other attempt.
 */
export async function fail(
  db: PrismaClient,
  boss: PgBoss,
  a: Attempt,
  output: { message: string; detail?: string },
  options: { retryable: boolean; onFinalFailure?: (tx: Prisma.TransactionClient) => Promise<void> },
): Promise<FailOutcome> {
  return db.$transaction(async (tx) => {
    const owned = await tx.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM pgboss.job WHERE ${FENCE} FOR UPDATE`, ...fence(a));
    if (owned.length === 0) return "lost";
    const willRetry = options.retryable && a.retryCount < a.retryLimit;
    if (!willRetry) {
      await tx.$executeRawUnsafe(`UPDATE pgboss.job SET retry_limit = retry_count WHERE ${FENCE}`, ...fence(a));
      await options.onFinalFailure?.(tx);
    }
    await boss.fail(a.queue, a.id, output, inTransaction(tx));
    return willRetry ? "requeued" : "failed";
  });
}
