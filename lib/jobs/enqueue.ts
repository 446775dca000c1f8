import "server-only";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export type JobType = "transcode";

export interface TranscodePayload {
  /** The VIDEO asset to produce (status PROCESSING until the job succeeds). */
  assetId: string;
  /** Object key of the uploaded original. */
  sourceKey: string;
}

/** Queues a background job; a worker (worker/main.ts) claims it with a lease. */
export async function enqueueJob(db: PrismaClient, type: JobType, payload: TranscodePayload) {
  return db.job.create({
    data: { type, payload: { ...payload }, assetId: payload.assetId, status: "QUEUED" },
  });
}
