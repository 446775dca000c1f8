/**
 * The background work of the portal, as pg-boss queues (ADR 034). Pure: names, payloads and
 * the retry/expiry policy every process agrees on.
 */
export const QUEUES = {
  /** Turn an uploaded original into the HLS ladder, poster and thumbnails. */
  transcode: "transcode",
  /** Transcode jobs that exhausted their attempts (pg-boss dead letter): the asset is marked FAILED. */
  transcodeDead: "transcode-dead",
  /** Abort and delete uploads nobody finished (on a schedule and at worker start). */
  purgeUploads: "purge-uploads",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface TranscodePayload {
  /** The VIDEO asset to produce (PROCESSING until the job succeeds). */
  assetId: string;
  /** Object key of the verified original (`originals/…`, lib/storage/keys videoOriginalKey): the worker reads nothing else. */
  sourceKey: string;
}

/** Attempts of a transcode: 1 + 2 retries, backoff from 30 s (pg-boss doubles it, with jitter). */
export const TRANSCODE_RETRY = { retryLimit: 2, retryDelay: 30, retryBackoff: true } as const;

/** Every five minutes, plus once when a worker starts. */
export const PURGE_UPLOADS_CRON = "*/5 * * * *";

export function parseTranscodePayload(value: unknown): TranscodePayload | null {
  const p = value as Partial<TranscodePayload> | null;
  if (!p || typeof p.assetId !== "string" || typeof p.sourceKey !== "string") return null;
  return { assetId: p.assetId, sourceKey: p.sourceKey };
}
