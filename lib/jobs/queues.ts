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
  /** Delete access log events older than the retention (AUDIT_RETENTION_DAYS, ADR 047). */
  purgeAccessEvents: "purge-access-events",
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

/** Every hour (small batches), plus once when a worker starts. */
export const PURGE_ACCESS_EVENTS_CRON = "17 * * * *";

export interface PurgeAccessEventsPayload {
  /** The retention the scheduling worker was configured with. */
  retentionDays: number;
}

export function parsePurgeAccessEventsPayload(value: unknown): PurgeAccessEventsPayload | null {
  const p = value as Partial<PurgeAccessEventsPayload> | null;
  if (!p || typeof p.retentionDays !== "number" || !Number.isInteger(p.retentionDays) || p.retentionDays < 1) return null;
  return { retentionDays: p.retentionDays };
}

export function parseTranscodePayload(value: unknown): TranscodePayload | null {
  const p = value as Partial<TranscodePayload> | null;
  if (!p || typeof p.assetId !== "string" || typeof p.sourceKey !== "string") return null;
  return { assetId: p.assetId, sourceKey: p.sourceKey };
}
