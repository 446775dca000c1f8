import "server-only";
import type PgBoss from "pg-boss";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { videoOriginalKey } from "@/lib/storage/keys";
import { inTransaction } from "./boss";
import { QUEUES, type TranscodePayload } from "./queues";

/**
 * Queues the transcode of a video asset inside the caller's transaction (the asset turns
 * PROCESSING and its job exists together, or neither). One queued attempt per asset: a
 * duplicate returns null.
 */
export async function enqueueTranscode(boss: PgBoss, tx: Prisma.TransactionClient, payload: TranscodePayload): Promise<string | null> {
  return boss.send(QUEUES.transcode, { ...payload }, { singletonKey: payload.assetId, ...inTransaction(tx) });
}

/** Thrown by {@link retryTranscode} when there is nothing to retry. */
export class NotRetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotRetryableError";
  }
}

/**
 * The instructor's "Retry" for a video whose transcoding failed: the asset back to
 * PROCESSING and a new job for its original. Only a video whose transcode failed (not one
 * refused at upload) can be retried; a video already on its way again is left alone.
 */
export async function retryTranscode(db: PrismaClient, boss: PgBoss, assetId: string): Promise<void> {
  const asset = await db.asset.findUnique({ where: { id: assetId }, select: { status: true, courseId: true, transcodeFailedAt: true, upload: { select: { id: true } } } });
  if (!asset) throw new NotRetryableError("This video no longer exists.");
  if (asset.status === "PROCESSING") return; // already retrying: idempotent
  if (asset.status !== "FAILED" || !asset.transcodeFailedAt) throw new NotRetryableError("Only a video whose processing failed can be retried.");
  if (!asset.upload) throw new NotRetryableError("The uploaded original of this video is gone: upload it again.");
  // The verified copy the upload's completion made (ADR 046), never the upload key itself.
  const sourceKey = videoOriginalKey(asset.courseId, assetId);
  await db.$transaction(async (tx) => {
    const { count } = await tx.asset.updateMany({
      where: { id: assetId, status: "FAILED" },
      data: { status: "PROCESSING", progress: 0, error: null, transcodeFailedAt: null },
    });
    if (count === 1) await enqueueTranscode(boss, tx, { assetId, sourceKey });
  });
}
