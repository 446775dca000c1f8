import { UPLOAD_URL_SECONDS, type UploadKind } from "@/lib/uploads/rules";
import type { CompleteUploadRequest, SignedRequest, StartUploadRequest, StartedUpload, UploadState } from "@/lib/uploads/wire";

/**
 * The pure parts of the browser's upload protocol (ADR 032): where the upload id is remembered,
 * which parts are left and which to ask URLs for, when to retry, what to send at the end, and
 * what a failure means for the instructor. No DOM, no React: unit-tested in node.
 */

/** Parts sent at the same time. */
export const PARALLEL_PARTS = 3;
/** Tries per request: waits of 1, 2, 4 and 8 s between them. */
export const MAX_ATTEMPTS = 5;
/**
 * Part URLs are valid for UPLOAD_URL_SECONDS (15 minutes); ask again once one is 5 minutes
 * from expiring, so a part started with it still starts in time.
 */
export const URL_REUSE_MS = (UPLOAD_URL_SECONDS - 5 * 60) * 1000;
/** Part URLs asked for in one request: the part needed now and up to 7 upcoming ones. */
export const URL_BATCH = 8;
/** localStorage key prefix of remembered uploads (kept as is: existing entries stay resumable). */
export const RESUME_KEY_PREFIX = "lumen-upload:v1:";

export const uploadApi = {
  start: "/api/uploads",
  upload: (uploadId: string) => `/api/uploads/${uploadId}`,
  parts: (uploadId: string) => `/api/uploads/${uploadId}/parts`,
  complete: (uploadId: string) => `/api/uploads/${uploadId}/complete`,
};

/** What is uploaded where. */
export interface UploadTarget {
  kind: UploadKind;
  courseId: string;
  lessonId?: string;
}

/** The file as the protocol sees it (a File has these). */
export interface FileFacts {
  name: string;
  size: number;
  type: string;
  lastModified: number;
}

/** The server refused a request (status and its message). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A request that did not get an answer from the app or storage; `status` 0 = network error. */
export class TransferError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "TransferError";
  }
}

export class CancelledError extends Error {
  constructor() {
    super("Cancelled");
    this.name = "CancelledError";
  }
}

/** Where the upload id of this file is remembered: per (course, lesson, kind, name + size + last modified). */
export function resumeKey(target: UploadTarget, file: Pick<FileFacts, "name" | "size" | "lastModified">): string {
  return `${RESUME_KEY_PREFIX}${target.courseId}:${target.lessonId ?? "-"}:${target.kind}:${file.name}:${file.size}:${file.lastModified}`;
}

/** Worth trying again: network errors, expired URLs (403), timeouts, throttling and server errors. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof TransferError) return err.status === 0 || err.status === 403 || err.status === 408 || err.status === 429 || err.status >= 500;
  if (err instanceof ApiError) return err.status === 429 || err.status >= 500;
  return false;
}

/** After failed try `attempt` (0-based): try again? */
export function shouldRetry(err: unknown, attempt: number): boolean {
  return isRetryable(err) && attempt + 1 < MAX_ATTEMPTS;
}

/** Wait before the next try after failed try `attempt` (0-based): 1 s, 2 s, 4 s, 8 s, plus up to 0.5 s of jitter. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return 1000 * 2 ** attempt + random() * 500;
}

/** An upload in progress, as the browser keeps it. */
export interface Session {
  uploadId: string;
  bytes: number;
  put?: SignedRequest;
  plan?: { partSize: number; partCount: number };
  /** Parts already stored: partNumber -> { etag, size }. */
  done: Map<number, { etag: string; size: number }>;
}

export function sessionFromStarted(started: StartedUpload): Session {
  const t = started.transfer;
  return {
    uploadId: started.uploadId,
    bytes: started.bytes,
    put: t.method === "PUT" ? { url: t.url, headers: t.headers } : undefined,
    plan: t.method === "MULTIPART" ? { partSize: t.partSize, partCount: t.partCount } : undefined,
    done: new Map(),
  };
}

/** A resumed upload: what storage already holds is not sent again. */
export function sessionFromState(state: UploadState): Session {
  return {
    uploadId: state.uploadId,
    bytes: state.bytes,
    put: state.put,
    plan: state.method === "MULTIPART" && state.partSize && state.partCount ? { partSize: state.partSize, partCount: state.partCount } : undefined,
    done: new Map(state.parts.map((p) => [p.partNumber, { etag: p.etag, size: p.size }])),
  };
}

/** The body of POST /api/uploads. */
export function startRequest(target: UploadTarget, file: Pick<FileFacts, "name" | "size" | "type">, language: string): StartUploadRequest {
  return {
    courseId: target.courseId,
    lessonId: target.lessonId,
    kind: target.kind,
    fileName: file.name,
    contentType: file.type,
    bytes: file.size,
    ...(target.kind === "CAPTION" ? { language } : {}),
  };
}

/** Bytes storage already holds. */
export function storedBytes(session: Session): number {
  return [...session.done.values()].reduce((sum, p) => sum + p.size, 0);
}

/** Part numbers still to send, ascending. */
export function pendingParts(session: Session): number[] {
  const pending: number[] = [];
  for (let n = 1; n <= (session.plan?.partCount ?? 0); n++) if (!session.done.has(n)) pending.push(n);
  return pending;
}

/** Parts to ask URLs for when part `n` needs one: `n`, then the next pending parts not sent, in flight or signed already. */
export function partsToSign(n: number, pending: readonly number[], skip: (part: number) => boolean): number[] {
  const batch = [n];
  // Stops at a full batch: called for every batch of an upload of up to 10,000 parts.
  for (let i = 0; i < pending.length && batch.length < URL_BATCH; i++) {
    const p = pending[i]!;
    if (p !== n && !skip(p)) batch.push(p);
  }
  return batch;
}

/** A part URL signed at `signedAt` may be used at `now` (a retry always asks again). */
export function urlUsable(signedAt: number, now: number, retry: boolean): boolean {
  return !retry && now - signedAt < URL_REUSE_MS;
}

/** The ETag storage answered, without quotes ("" when CORS does not expose it). */
export function cleanEtag(etag: string | null): string {
  return (etag ?? "").replace(/"/g, "");
}

/** The body of POST /api/uploads/<id>/complete. Without exposed ETags the server relies on its own listing of the parts. */
export function completionBody(session: Session): CompleteUploadRequest {
  if (!session.plan) return {};
  const parts = [...session.done.entries()].map(([partNumber, p]) => ({ partNumber, etag: p.etag }));
  return parts.every((p) => p.etag) ? { parts } : {};
}

export type Phase = "idle" | "starting" | "uploading" | "paused" | "finishing" | "done" | "failed" | "cancelled";

/** What a failed upload means for the instructor (the uploader shows it). */
export interface FailureOutcome {
  phase: Extract<Phase, "idle" | "failed" | "paused">;
  /** The status line. */
  status: string;
  /** The alert. */
  error: string;
  /** The upload cannot continue: forget its id (a new start follows). */
  forget: boolean;
  /** Drop the progress bar. */
  clearProgress: boolean;
  /** The server's state changed (or shows why): refresh the page's data. */
  refresh: boolean;
}

/** `started`: an upload id was obtained (bytes may have been sent). */
export function failureOutcome(err: unknown, started: boolean): FailureOutcome {
  if (err instanceof ApiError && err.status === 422 && started) {
    // The server looked at the stored file and refused it (it is deleted).
    return { phase: "failed", status: "Upload refused.", error: err.message, forget: true, clearProgress: false, refresh: true };
  }
  if (err instanceof ApiError && !started) {
    // Refused at the start: nothing was sent. A 409 (another video of the lesson on its way) is shown by a refresh.
    return { phase: "idle", status: "", error: err.message, forget: false, clearProgress: true, refresh: err.status === 409 };
  }
  if (err instanceof ApiError && (err.status === 404 || (err.status === 409 && /expired|no longer|finished/.test(err.message)))) {
    return { phase: "failed", status: "", error: `${err.message} Choose the file again to start over.`, forget: true, clearProgress: false, refresh: false };
  }
  const reason = (err instanceof Error ? err.message : "unknown error").replace(/\.$/, "");
  return {
    phase: "paused",
    status: "Upload paused.",
    error: `The upload stopped (${reason}). Click “Resume upload”, or pick the same file again later: the parts already sent are kept.`,
    forget: false,
    clearProgress: false,
    refresh: false,
  };
}

/** Status line once the upload is accepted. */
export const DONE_MESSAGES: Record<UploadKind, string> = {
  VIDEO: "Uploaded. The video is being processed; the page updates when it is ready.",
  IMAGE: "Cover image updated.",
  CAPTION: "Captions added.",
  ATTACHMENT: "Attachment added.",
};

export interface Progress {
  sent: number;
  total: number;
  /** Bytes per second over the last few seconds (null until measurable). */
  speed: number | null;
}

/** Live byte counters of an upload (stored parts + bytes in flight), sampled for the display. */
export class ByteMeter {
  private stored = 0;
  private total = 0;
  private readonly inflight = new Map<number, number>();
  private samples: { t: number; bytes: number }[] = [];

  reset(total: number, stored: number): void {
    this.total = total;
    this.stored = stored;
    this.inflight.clear();
    this.samples = [];
  }

  /** Bytes of part `part` on their way. */
  sending(part: number, loaded: number): void {
    this.inflight.set(part, loaded);
  }

  /** Part `part` (`bytes` long) is stored. */
  partStored(part: number, bytes: number): void {
    this.inflight.delete(part);
    this.stored += bytes;
  }

  /** Parts in flight were stopped. */
  dropInflight(): void {
    this.inflight.clear();
  }

  progress(speed: number | null = null): Progress {
    let inflight = 0;
    for (const v of this.inflight.values()) inflight += v;
    return { sent: Math.min(this.total, this.stored + inflight), total: this.total, speed };
  }

  /** Progress now, the speed measured over the last 5 s (needs at least 1 s of samples). */
  sample(now: number): Progress {
    const { sent } = this.progress();
    this.samples.push({ t: now, bytes: sent });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 5000) this.samples.shift();
    const first = this.samples[0]!;
    const dt = (now - first.t) / 1000;
    return this.progress(dt >= 1 ? Math.max(0, (sent - first.bytes) / dt) : null);
  }
}
