import "server-only";
import { requireCourseManager, type Viewer } from "@/lib/access";
import { purgeAbandonedUploads, removeAsset, type PurgeOptions } from "@/lib/assets";
import { db } from "@/lib/db";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { appBoss } from "@/lib/jobs/boss";
import { NotRetryableError, retryTranscode } from "@/lib/jobs/transcode";
import { parseInput } from "@/lib/validation";
import { appDeps, requireViewer, uploadForManager, validation } from "./common";
import { idSchema } from "./schemas";
import { toView, viewInclude, viewOf } from "./views";
import type { AssetView } from "./wire";

/** After an upload: cancel, delete, retry a transcode, poll a status, purge what nobody finished. */

/** An asset of a course the viewer manages (401 signed out, 404 unknown, 403 not a manager). */
async function managedAsset<T extends { courseId: string }>(viewer: Viewer | null, assetId: string, find: (id: string) => Promise<T | null>): Promise<T> {
  requireViewer(viewer);
  parseInput(idSchema, assetId);
  const asset = await find(assetId);
  if (!asset) throw new NotFoundError("File not found.");
  await requireCourseManager(viewer, asset.courseId);
  return asset;
}

/** Cancels an unfinished (or failed) upload: the multipart upload is aborted, objects and asset deleted. */
export async function abortUpload(viewer: Viewer | null, uploadId: string): Promise<void> {
  const upload = await uploadForManager(viewer, uploadId);
  const status = upload.asset.status;
  if (status === "READY" || status === "PROCESSING") throw new ConflictError("This upload has already finished: delete the file instead.");
  await removeAsset(appDeps(), upload.assetId);
}

/**
 * Deletes a caption, attachment, cover or failed video (its objects and row). An unfinished
 * upload is cancelled. The lesson's current video is replaced by uploading another, not deleted.
 */
export async function deleteAsset(viewer: Viewer | null, assetId: string): Promise<void> {
  const asset = await managedAsset(viewer, assetId, (id) =>
    db.asset.findUnique({ where: { id }, select: { id: true, kind: true, status: true, courseId: true, videoOfLesson: { select: { id: true } } } }),
  );
  if (asset.status === "PROCESSING") {
    throw new ConflictError(asset.kind === "VIDEO" ? "This video is still processing: wait until it is ready or has failed." : "This file is still being checked: try again in a moment.");
  }
  if (asset.kind === "VIDEO" && asset.videoOfLesson) throw new ConflictError("This is the lesson's current video: upload a replacement instead.");
  await removeAsset(appDeps(), asset.id);
}

/** "Retry" on a video whose transcoding failed: re-queues its job. */
export async function retryVideo(viewer: Viewer | null, assetId: string): Promise<AssetView> {
  const asset = await managedAsset(viewer, assetId, (id) => db.asset.findUnique({ where: { id }, select: { id: true, kind: true, courseId: true } }));
  if (asset.kind !== "VIDEO") throw validation("Only a video's processing can be retried.", "assetId");
  try {
    await retryTranscode(db, await appBoss(), asset.id);
  } catch (err) {
    if (err instanceof NotRetryableError) throw new ConflictError(err.message);
    throw err;
  }
  return viewOf(asset.id);
}

/** Status of one asset (the video panel polls it while processing). */
export async function getAssetStatus(viewer: Viewer | null, assetId: string): Promise<AssetView> {
  return toView(await managedAsset(viewer, assetId, (id) => db.asset.findUnique({ where: { id }, include: viewInclude })));
}

/** Cleans up uploads nobody finished in time, with the app's database and storage (lib/assets). */
export function purgeExpiredUploads(options: PurgeOptions = {}): Promise<number> {
  return purgeAbandonedUploads(appDeps(), options);
}
