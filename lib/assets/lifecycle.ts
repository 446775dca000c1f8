import "server-only";
import type { RenditionRecord } from "./renditions";
import type { Asset, Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { lessonVideoMasterKey, lessonVideoPrefix, videoOriginalKey } from "@/lib/storage/keys";
import type { Storage } from "@/lib/storage/s3";
import { coverRenditionKeys } from "./covers";

/**
 * The asset lifecycle that the app (lib/uploads) and the transcoding worker share: removing an
 * asset with everything it stored, the sweep of replaced lesson videos, and the swap of a
 * lesson to a newly transcoded video (ADR 031, 032). Every function takes the database client
 * and storage to use: the app passes its own, the worker its own; nothing here is global.
 */
export interface AssetDeps {
  db: PrismaClient;
  storage: Storage;
}

export const HLS_CONTENT_TYPE = "application/vnd.apple.mpegurl";

/** What removing an asset reads: its upload (original, multipart id). */
const removable = {
  upload: { select: { key: true, multipartId: true } },
  videoOfLesson: { select: { id: true } },
} as const;

type RemovableAsset = Pick<Asset, "id" | "kind" | "courseId" | "lessonId" | "storageKey"> & {
  upload: { key: string; multipartId: string | null } | null;
};

/** The lesson's current video cannot be removed: it is replaced by another upload. */
export class CurrentVideoError extends Error {
  constructor(assetId: string) {
    super(`Asset ${assetId} is a lesson's current video: replace it instead of removing it.`);
    this.name = "CurrentVideoError";
  }
}

/**
 * Deletes every object the asset may have left in storage (deleting a missing key is fine):
 * its multipart upload is aborted and its upload object deleted; a cover's renditions; a
 * caption's key unless another row still uses it (a key is shared by one language of one
 * video); an attachment; a video's verified original and its whole folder (HLS, images, the
 * captions stored in it).
 */
async function removeObjects({ db, storage }: AssetDeps, asset: RemovableAsset): Promise<void> {
  const keys = new Set<string>();
  if (asset.upload) {
    if (asset.upload.multipartId) await storage.abortMultipartUpload(asset.upload.key, asset.upload.multipartId);
    keys.add(asset.upload.key);
  }
  switch (asset.kind) {
    case "IMAGE":
      for (const key of coverRenditionKeys(asset.courseId, asset.id)) keys.add(key);
      break;
    case "CAPTION":
    case "ATTACHMENT":
      if (asset.storageKey !== "pending") {
        const others = asset.kind === "CAPTION" ? await db.asset.count({ where: { storageKey: asset.storageKey, id: { not: asset.id } } }) : 0;
        if (others === 0) keys.add(asset.storageKey);
      }
      break;
    case "VIDEO":
      keys.add(videoOriginalKey(asset.courseId, asset.id));
      if (asset.lessonId) await storage.deletePrefix(lessonVideoPrefix(asset.courseId, asset.lessonId, asset.id));
      break;
  }
  await Promise.all([...keys].map((key) => storage.deleteObject(key)));
}

/**
 * Removes an asset: its objects (see removeObjects), then in one transaction the caption rows
 * stored in a video's folder and the asset row (its upload cascades). Idempotent: false
 * when there was no such asset. A lesson's current video is refused (CurrentVideoError).
 */
export async function removeAsset(deps: AssetDeps, assetId: string): Promise<boolean> {
  const { db } = deps;
  const asset = await db.asset.findUnique({ where: { id: assetId }, include: removable });
  if (!asset) return false;
  if (asset.videoOfLesson) throw new CurrentVideoError(asset.id);
  await removeObjects(deps, asset);
  const folder = asset.kind === "VIDEO" && asset.lessonId ? lessonVideoPrefix(asset.courseId, asset.lessonId, asset.id) : null;
  await db.$transaction([
    // Captions stored in that video's folder went with it.
    ...(folder ? [db.asset.deleteMany({ where: { lessonId: asset.lessonId, kind: "CAPTION", storageKey: { startsWith: folder } } })] : []),
    // Still not a lesson's video (the lesson only ever swaps to a newer asset).
    db.asset.deleteMany({ where: { id: asset.id, videoOfLesson: { is: null } } }),
  ]);
  return true;
}

/**
 * Deletes the lesson's READY video assets that are older than the one the lesson plays
 * (replaced, or superseded by a newer upload), each with removeAsset. Idempotent; a failure
 * leaves the row so a later run can finish the job. Returns the ids removed.
 */
export async function removeSupersededVideos(deps: AssetDeps, lessonId: string, log?: (line: string) => void): Promise<string[]> {
  const { db } = deps;
  const lesson = await db.lesson.findUnique({ where: { id: lessonId }, select: { video: { select: { id: true, createdAt: true } } } });
  const current = lesson?.video;
  if (!current) return [];
  const old = await db.asset.findMany({
    where: { lessonId, kind: "VIDEO", status: "READY", id: { not: current.id }, createdAt: { lte: current.createdAt } },
    select: { id: true },
  });
  const removed: string[] = [];
  for (const a of old) {
    try {
      if (await removeAsset(deps, a.id)) removed.push(a.id);
    } catch (err) {
      log?.(`could not remove replaced video ${a.id}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return removed;
}

export interface TranscodedVideo {
  id: string;
  courseId: string;
  lessonId: string;
  createdAt: Date;
}

export interface VideoOutputs {
  durationSeconds: number;
  /** Size of the top rendition. */
  width: number;
  height: number;
  /** Renditions (worker/plan.ts renditionRecords), stored as jsonb. */
  renditions: RenditionRecord[];
  /** Bytes of everything under the video's folder. */
  bytes: number;
  /** The folder holds the thumbnail sprite and its VTT (lib/storage/keys.ts THUMBNAILS_*). */
  hasThumbnails: boolean;
}

/**
 * The swap to a transcoded video, as operations for the caller's transaction (the worker
 * commits them together with the fenced "job succeeded"): the asset READY with its outputs,
 * and `lesson.videoAssetId` = this asset unless the lesson already plays a newer one (a later
 * upload that finished first keeps its place; the lesson only ever points at a READY asset).
 */
export function swapLessonVideo(db: PrismaClient | Prisma.TransactionClient, video: TranscodedVideo, outputs: VideoOutputs): Prisma.PrismaPromise<unknown>[] {
  return [
    db.asset.update({
      where: { id: video.id },
      data: {
        status: "READY",
        storageKey: lessonVideoMasterKey(video.courseId, video.lessonId, video.id),
        contentType: HLS_CONTENT_TYPE,
        durationSeconds: Math.round(outputs.durationSeconds * 1000) / 1000,
        width: outputs.width,
        height: outputs.height,
        renditions: outputs.renditions,
        bytes: BigInt(outputs.bytes),
        hasThumbnails: outputs.hasThumbnails,
        progress: null,
        error: null,
      },
    }),
    db.lesson.updateMany({
      where: {
        id: video.lessonId,
        OR: [{ videoAssetId: null }, { videoAssetId: video.id }, { video: { is: { createdAt: { lte: video.createdAt } } } }],
      },
      data: { videoAssetId: video.id },
    }),
  ];
}

export interface PurgeOptions {
  courseId?: string;
  now?: Date;
  /** At most this many per call (default 100); the scheduler calls again. */
  limit?: number;
}

/**
 * Uploads nobody finished before their expiry (expired multipart uploads and never-completed
 * single PUTs): the multipart upload is aborted, partial objects and the asset deleted. Run by
 * the worker on a schedule and at start (ADR 034).
 */
export async function purgeAbandonedUploads(deps: AssetDeps, options: PurgeOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  const stale = await deps.db.upload.findMany({
    where: { expiresAt: { lte: now }, asset: { status: "UPLOADING", ...(options.courseId ? { courseId: options.courseId } : {}) } },
    select: { assetId: true },
    orderBy: { expiresAt: "asc" },
    take: options.limit ?? 100,
  });
  let removed = 0;
  for (const u of stale) if (await removeAsset(deps, u.assetId)) removed++;
  return removed;
}
