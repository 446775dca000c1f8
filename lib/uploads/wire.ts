/**
 * The upload API on the wire (routes under app/api/uploads and app/api/assets): the bodies the
 * browser sends and the answers it reads. Pure: imported by the server modules that produce
 * these shapes and by the uploader in the browser, so neither side declares them again. The
 * zod schemas that parse the requests are in schemas.ts (checked against these types there).
 */
import type { UploadKind } from "./rules";

/** Asset.status (the Prisma enum; lib/uploads/views.ts checks they agree). */
export type AssetStatus = "UPLOADING" | "PROCESSING" | "READY" | "FAILED";

export interface AssetRendition {
  name: string;
  width: number;
  height: number;
}

/** An asset as the instructor's pages and the upload API show it. */
export interface AssetView {
  id: string;
  kind: UploadKind;
  status: AssetStatus;
  /** Transcoding progress 0-100 while a video is PROCESSING (from its job), else null. */
  progress: number | null;
  error: string | null;
  fileName: string | null;
  bytes: number | null;
  durationSeconds: number | null;
  width: number | null;
  height: number | null;
  renditions: AssetRendition[];
  language: string | null;
  label: string | null;
  createdAt: string;
  /** The unfinished upload, when status is UPLOADING. */
  uploadId: string | null;
  /** A failed transcode that "Retry" can re-queue. */
  canRetry: boolean;
}

/** A presigned request: send these headers unchanged (they are part of the signature). */
export interface SignedRequest {
  url: string;
  headers: Record<string, string>;
}

/** POST /api/uploads */
export interface StartUploadRequest {
  courseId: string;
  lessonId?: string;
  kind: UploadKind;
  fileName: string;
  contentType: string;
  bytes: number;
  /** CAPTION only: BCP 47 tag such as en or pt-BR. */
  language?: string;
  /** CAPTION only: the track name students see. */
  label?: string;
}

/** How to send the bytes: one presigned PUT, or a multipart upload whose part URLs are asked for. */
export type UploadTransfer = ({ method: "PUT" } & SignedRequest) | { method: "MULTIPART"; partSize: number; partCount: number };

/** What the upload API says about an upload in every answer. */
export interface UploadFacts {
  uploadId: string;
  assetId: string;
  kind: UploadKind;
  fileName: string;
  bytes: number;
  /** Resume until then (ISO 8601). */
  expiresAt: string;
}

/** 201 answer to POST /api/uploads. */
export interface StartedUpload extends UploadFacts {
  transfer: UploadTransfer;
}

/** POST /api/uploads/<id>/parts (at most 100 part numbers). */
export interface PresignPartsRequest {
  partNumbers: number[];
}

export interface PresignedPart extends SignedRequest {
  partNumber: number;
  /** Exact size this part must have. */
  bytes: number;
}

/** Answer to POST /api/uploads/<id>/parts. */
export interface PresignedParts {
  parts: PresignedPart[];
  expiresAt: string;
}

/** A part storage holds: its ETag without quotes. */
export interface StoredPart {
  partNumber: number;
  etag: string;
  size: number;
}

/** Answer to GET /api/uploads/<id>/parts: what storage already holds, so only the rest is sent. */
export interface UploadState extends UploadFacts {
  method: "PUT" | "MULTIPART";
  partSize: number | null;
  partCount: number | null;
  /** Parts storage already holds (multipart), ascending. */
  parts: StoredPart[];
  /** PUT uploads: a fresh URL to send the whole file again. */
  put?: SignedRequest;
}

/** POST /api/uploads/<id>/complete. Multipart only: the parts as the browser saw them. */
export interface CompleteUploadRequest {
  parts?: { partNumber: number; etag: string }[];
}

/** Answer to POST /api/uploads/<id>/complete and GET /api/assets/<id>. */
export interface AssetResponse {
  asset: AssetView;
}

/** Any refusal (4xx/5xx): lib/http/handler.ts errorResponse. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** The instructor's lesson media panel. */
export interface LessonMediaForEditing {
  lesson: { id: string; title: string; courseId: string };
  video: {
    /** What students see now (READY). */
    current: AssetView | null;
    /** The newest other video: uploading, processing (a replacement) or failed. */
    pending: AssetView | null;
  };
  /** Where new captions go: the current video, else the one on its way; null = upload a video first. */
  captionTarget: { assetId: string; current: boolean } | null;
  captions: (AssetView & { forCurrentVideo: boolean })[];
  attachments: AssetView[];
}

/** The instructor's course cover panel. */
export interface CoverForEditing {
  cover: (AssetView & { url: string | null }) | null;
  /** The newest other cover upload that is unfinished or failed. */
  pending: AssetView | null;
}
