import "server-only";

/**
 * Instructors' uploads, straight from the browser to storage (the bytes never pass through
 * the app): the server checks the file's name, type and size, decides the object keys from
 * ids, hands out a presigned PUT or multipart part URLs (15 minutes) for an upload key under
 * sources/, then copies what was stored to the asset's final key with headers it sets and
 * verifies THE COPY (size, headers, magic bytes) before the asset becomes usable; the upload
 * object is deleted. ADR 032, 046.
 *
 * Asset lifecycle: UPLOADING (bytes on their way) -> PROCESSING (being verified; for a video
 * then transcoded by the worker) -> READY, or FAILED with a reason the instructor can read.
 * Removing an asset and everything it stored is lib/assets (shared with the worker).
 *
 * One module per step: start.ts, parts.ts, complete.ts + verify.ts + finish.ts, manage.ts; views.ts for
 * the instructor's panels; wire.ts for the shapes the browser sends and reads.
 */

export { UPLOAD_TTL_SECONDS, UPLOAD_URL_SECONDS } from "./common";
export { startUpload } from "./start";
export { listUploadedParts, presignParts } from "./parts";
export { completeUpload } from "./complete";
export { abortUpload, deleteAsset, getAssetStatus, purgeExpiredUploads, retryVideo } from "./manage";
export { courseCoverForEditing, lessonMediaForEditing } from "./views";
export type {
  AssetView,
  CoverForEditing,
  LessonMediaForEditing,
  PresignedPart,
  PresignedParts,
  StartedUpload,
  UploadState,
  UploadTransfer,
} from "./wire";
