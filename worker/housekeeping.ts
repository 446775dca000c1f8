import "server-only";

import type PgBoss from "pg-boss";
import { purgeAbandonedUploads } from "../lib/assets";
import type { PrismaClient } from "../lib/generated/prisma/client";
import { PURGE_UPLOADS_CRON, QUEUES, parseTranscodePayload } from "../lib/jobs/queues";
import type { Storage } from "../lib/storage/s3";

/**
 * The worker's small jobs, done between transcodes (ADR 034):
 * - dead transcode jobs (pg-boss dead letter queue): attempts exhausted, typically because the
 *   worker running them kept dying; the video is marked FAILED with a reason and can be retried;
 * - the purge of abandoned uploads, scheduled by cron and sent once at every worker start.
 */
export interface HousekeepingDeps {
  db: PrismaClient;
  storage: Storage;
  boss: PgBoss;
  log: (line: string) => void;
}

const TIMEOUT_REASON =
  "Processing stopped responding on every attempt (the worker crashed, ran out of memory or timed out). Try again, or upload a smaller file.";

/** Schedules the purge and asks for one now (idempotent across workers: the queue keeps one active). */
export async function scheduleHousekeeping(boss: PgBoss): Promise<void> {
  await boss.schedule(QUEUES.purgeUploads, PURGE_UPLOADS_CRON, {}, { singletonKey: "purge" });
  await boss.send(QUEUES.purgeUploads, {}, { singletonKey: "purge" });
}

/** Marks the videos of dead transcode jobs FAILED (unless something else already settled them). */
export async function settleDeadTranscodes(deps: HousekeepingDeps): Promise<number> {
  const jobs = await deps.boss.fetch<unknown>(QUEUES.transcodeDead, { batchSize: 20, includeMetadata: true });
  for (const job of jobs) {
    const payload = parseTranscodePayload(job.data);
    const output = job.output as { message?: unknown; value?: { message?: unknown } } | null;
    const message = typeof output?.message === "string" ? output.message : undefined;
    if (payload) {
      const { count } = await deps.db.asset.updateMany({
        where: { id: payload.assetId, status: "PROCESSING" },
        data: { status: "FAILED", error: message ?? TIMEOUT_REASON, progress: null, transcodeFailedAt: new Date() },
      });
      if (count) deps.log(`job ${job.id}: attempts exhausted (${message ?? "visibility timeout"}); asset ${payload.assetId} FAILED`);
    }
    await deps.boss.complete(QUEUES.transcodeDead, job.id);
  }
  return jobs.length;
}

export async function purgeUploadsIfAsked(deps: HousekeepingDeps): Promise<number> {
  const [job] = await deps.boss.fetch(QUEUES.purgeUploads, { batchSize: 1 });
  if (!job) return 0;
  try {
    const removed = await purgeAbandonedUploads({ db: deps.db, storage: deps.storage });
    if (removed) deps.log(`purged ${removed} abandoned upload(s)`);
    await deps.boss.complete(QUEUES.purgeUploads, job.id, { removed });
    return removed;
  } catch (err) {
    await deps.boss.fail(QUEUES.purgeUploads, job.id, { message: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

export async function runHousekeeping(deps: HousekeepingDeps): Promise<void> {
  await settleDeadTranscodes(deps);
  await purgeUploadsIfAsked(deps);
}
