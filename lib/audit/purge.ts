import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * The access log's retention (ADR 047): deletes the events older than `retentionDays`, in
 * batches (oldest first, `batchSize` rows per statement, through the `at` index) so no
 * statement holds locks or builds a large transaction for long. At most `maxBatches` per call;
 * the next scheduled run continues. The client comes in as an argument (the worker's own).
 */
export async function purgeAccessEvents(
  db: PrismaClient,
  options: { retentionDays: number; now?: Date; batchSize?: number; maxBatches?: number },
): Promise<number> {
  const { retentionDays, now = new Date(), batchSize = 5_000, maxBatches = 200 } = options;
  if (!Number.isInteger(retentionDays) || retentionDays < 1) throw new Error(`Invalid access log retention: ${retentionDays} days.`);
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let removed = 0;
  for (let i = 0; i < maxBatches; i++) {
    const n = await db.$executeRaw`
      DELETE FROM "AccessEvent" WHERE "id" IN (
        SELECT "id" FROM "AccessEvent" WHERE "at" < ${cutoff} ORDER BY "at" LIMIT ${batchSize}
      )`;
    removed += n;
    if (n < batchSize) break;
  }
  return removed;
}
