import type { PrismaClient } from "@/lib/db";
import { QUEUES } from "@/lib/jobs/queues";

/** The transcode jobs of an asset, as pg-boss holds them (tests inspect the queue directly). */
export async function transcodeJobsOf(db: PrismaClient, assetId: string) {
  return db.$queryRawUnsafe<{ id: string; state: string; retryCount: number; data: unknown }[]>(
    `SELECT id::text AS id, state::text AS state, retry_count AS "retryCount", data FROM pgboss.job
     WHERE name = $1 AND data->>'assetId' = $2 ORDER BY created_on`,
    QUEUES.transcode,
    assetId,
  );
}
