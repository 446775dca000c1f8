import "server-only";

import type PgBoss from "pg-boss";
import { purgeAbandonedUploads } from "../lib/assets";
import { purgeAccessEvents } from "../lib/audit/purge";
import type { PrismaClient } from "../lib/generated/prisma/client";
import {
  PURGE_ACCESS_EVENTS_CRON,
  PURGE_UPLOADS_CRON,
  QUEUES,
  parsePurgeAccessEventsPayload,
  parseTranscodePayload,
  type QueueName,
} from "../lib/jobs/queues";
import type { Storage } from "../lib/storage/s3";

/**
 * The worker's small jobs, done between transcodes (ADR 034):
 * - dead transcode jobs (pg-boss dead letter queue): attempts exhausted, typically because the
 *   worker running them kept dying; the video is marked FAILED with a reason and can be retried;
 * - the purge of abandoned uploads, scheduled by cron and sent once at every worker start;
 * - the purge of access log events past their retention (ADR 047), likewise.
 */
export interface HousekeepingDeps {
  db: PrismaClient;
  storage: Storage;
  boss: PgBoss;
  log: (line: string) => void;
}

const TIMEOUT_REASON =
  "Processing stopped responding on every attempt (the worker crashed, ran out of memory or timed out). Try again, or upload a smaller file.";

/**
 * Schedules the purges and asks for one of each now (idempotent across workers: the queues
 * keep one active). The access log's retention travels in the job, so the worker that
 * scheduled last sets it (AUDIT_RETENTION_DAYS of its configuration).
 */
export async function scheduleHousekeeping(boss: PgBoss, settings: { auditRetentionDays: number }): Promise<void> {
  await boss.schedule(QUEUES.purgeUploads, PURGE_UPLOADS_CRON, {}, { singletonKey: "purge" });
  await boss.send(QUEUES.purgeUploads, {}, { singletonKey: "purge" });
  const retention = { retentionDays: settings.auditRetentionDays };
  await boss.schedule(QUEUES.purgeAccessEvents, PURGE_ACCESS_EVENTS_CRON, retention, { singletonKey: "purge" });
  await boss.send(QUEUES.purgeAccessEvents, retention, { singletonKey: "purge" });
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

/** Runs the waiting job of a clean-up queue, if any: completed with how much it removed, or failed with the error. */
async function runCleanup(deps: HousekeepingDeps, queue: QueueName, what: string, work: (data: unknown) => Promise<number>): Promise<number> {
  const [job] = await deps.boss.fetch<unknown>(queue, { batchSize: 1 });
  if (!job) return 0;
  try {
    const removed = await work(job.data);
    if (removed) deps.log(`purged ${removed} ${what}`);
    await deps.boss.complete(queue, job.id, { removed });
    return removed;
  } catch (err) {
    await deps.boss.fail(queue, job.id, { message: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

export function purgeUploadsIfAsked(deps: HousekeepingDeps): Promise<number> {
  return runCleanup(deps, QUEUES.purgeUploads, "abandoned upload(s)", () => purgeAbandonedUploads({ db: deps.db, storage: deps.storage }));
}

export function purgeAccessEventsIfAsked(deps: HousekeepingDeps): Promise<number> {
  return runCleanup(deps, QUEUES.purgeAccessEvents, "access event(s) past their retention", async (data) => {
    const payload = parsePurgeAccessEventsPayload(data);
    if (!payload) throw new Error("This purge job carries no valid retentionDays.");
    return purgeAccessEvents(deps.db, payload);
  });
}

export async function runHousekeeping(deps: HousekeepingDeps): Promise<void> {
  await settleDeadTranscodes(deps);
  await purgeUploadsIfAsked(deps);
  await purgeAccessEventsIfAsked(deps);
}
