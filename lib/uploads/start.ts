import "server-only";
import { requireCourseManager, type Viewer } from "@/lib/access";
import { HLS_CONTENT_TYPE, removeAsset } from "@/lib/assets";
import { db } from "@/lib/db";
import { ConflictError, NotFoundError } from "@/lib/errors";
import { storage } from "@/lib/storage/instance";
import { courseCoverKey, lessonAttachmentKey, lessonCaptionKey, lessonVideoMasterKey, sourceUploadKey, videoOriginalKey } from "@/lib/storage/keys";
import { parseInput } from "@/lib/validation";
import { UPLOAD_TTL_SECONDS, appDeps, assetBytes, presignWholeFile, validation, withNumberBytes } from "./common";
import { purgeExpiredUploads } from "./manage";
import { KIND_RULES, checkFile, languageLabel, partPlan, type UploadKind } from "./rules";
import { startUploadSchema } from "./schemas";
import type { StartedUpload, UploadTransfer } from "./wire";

/** Step 1 of an upload: check the file, create the asset and the Upload row, say how to send the bytes. */

interface Placement {
  lessonId: string | null;
  /** CAPTION: the video asset whose folder receives the captions. */
  captionVideoId?: string;
}

/** Where the upload belongs (course cover, or a lesson of this course) and whether it may start now. */
async function placementFor(kind: UploadKind, courseId: string, lessonId: string | undefined, language: string | undefined, now: Date): Promise<Placement> {
  if (kind === "IMAGE") {
    if (lessonId) throw validation("A cover image belongs to the course: send no lessonId.", "lessonId");
    return { lessonId: null };
  }
  if (!lessonId) throw validation(`Say which lesson ${KIND_RULES[kind].noun} belongs to.`, "lessonId");
  const lesson = await db.lesson.findUnique({
    where: { id: lessonId },
    select: { id: true, section: { select: { courseId: true } }, video: { select: { id: true, status: true } } },
  });
  if (!lesson || lesson.section.courseId !== courseId) throw new NotFoundError("Lesson not found.");

  if (kind === "VIDEO") {
    const busy = await db.asset.findFirst({
      where: {
        lessonId,
        kind: "VIDEO",
        OR: [{ status: "PROCESSING" }, { status: "UPLOADING", upload: { is: { expiresAt: { gt: now } } } }],
      },
      select: { status: true },
    });
    if (busy) {
      throw new ConflictError(
        `A video for this lesson is still ${busy.status === "PROCESSING" ? "processing" : "uploading"}: wait for it to finish, or cancel it, before uploading another.`,
      );
    }
    return { lessonId };
  }

  if (kind === "CAPTION") {
    if (!language) throw validation("Choose the captions' language.", "language");
    // The lesson's current video; if it has none yet, the one being uploaded or processed.
    let videoId = lesson.video?.status === "READY" ? lesson.video.id : undefined;
    if (!videoId) {
      const pending = await db.asset.findFirst({
        where: { lessonId, kind: "VIDEO", status: { in: ["PROCESSING", "UPLOADING"] } },
        orderBy: { createdAt: "desc" },
        select: { id: true },
      });
      videoId = pending?.id;
    }
    if (!videoId) throw validation("Upload this lesson's video first: captions belong to a video.", "lessonId");
    return { lessonId, captionVideoId: videoId };
  }
  return { lessonId };
}

/**
 * Keys from ids only (ADR 032): where the browser sends the bytes (`uploadKey`), and what the
 * asset will be once finished (`storageKey`, `contentType`). A single PUT goes under sources/
 * (nothing serves it; its presigned URL can rewrite it until it expires, so the server copies
 * it, ADR 046). A multipart video goes straight to its original key under originals/ (never
 * served): the server alone creates and completes it, and no part URL can change it once
 * completed, so the completed object is the one verified (ADR 053).
 */
function keysFor(
  kind: UploadKind,
  ids: { courseId: string; assetId: string; placement: Placement; language?: string; multipart: boolean },
  check: { ext: string; storedContentType: string },
): { uploadKey: string; storageKey: string; contentType: string } {
  const { courseId, assetId, placement } = ids;
  const lessonId = placement.lessonId!;
  const source = () => sourceUploadKey(courseId, assetId, check.ext);
  switch (kind) {
    case "VIDEO":
      return { uploadKey: ids.multipart ? videoOriginalKey(courseId, assetId) : source(), storageKey: lessonVideoMasterKey(courseId, lessonId, assetId), contentType: HLS_CONTENT_TYPE };
    case "IMAGE":
      return { uploadKey: source(), storageKey: courseCoverKey(courseId, assetId, "jpg"), contentType: "image/jpeg" };
    case "CAPTION":
      return { uploadKey: source(), storageKey: lessonCaptionKey(courseId, lessonId, placement.captionVideoId!, ids.language!), contentType: "text/vtt" };
    case "ATTACHMENT":
      // The server copies the verified file here, with its download name (Content-Disposition).
      return { uploadKey: source(), storageKey: lessonAttachmentKey(courseId, lessonId, assetId, check.ext), contentType: check.storedContentType };
  }
}

/**
 * Starts an upload: validates the file (nothing is sent when it is refused), creates the
 * asset (UPLOADING) and the Upload row, and returns how to send the bytes.
 */
export async function startUpload(viewer: Viewer | null, input: unknown): Promise<StartedUpload> {
  const data = parseInput(startUploadSchema, input);
  await requireCourseManager(viewer, data.courseId);
  const user = viewer!;
  const check = checkFile(data.kind, data);
  if (!check.ok) throw validation(check.message, check.field);
  const now = new Date();
  await purgeExpiredUploads({ courseId: data.courseId, now }).catch((err: unknown) => console.error("purgeExpiredUploads", err));
  const placement = await placementFor(data.kind, data.courseId, data.lessonId, data.language, now);
  const { courseId, kind, fileName, bytes } = data;
  const { lessonId } = placement;
  const plan = check.transfer === "MULTIPART" ? partPlan(bytes) : null;
  const expiresAt = new Date(now.getTime() + UPLOAD_TTL_SECONDS * 1000);

  if (kind === "VIDEO") {
    // A new upload supersedes earlier failed attempts for this lesson.
    const failed = await db.asset.findMany({ where: { lessonId, kind: "VIDEO", status: "FAILED", videoOfLesson: { is: null } }, select: { id: true } });
    for (const f of failed) await removeAsset(appDeps(), f.id);
  }

  const { asset, upload } = await db.$transaction(async (tx) => {
    const created = await tx.asset.create({
      data: {
        kind,
        status: "UPLOADING",
        courseId,
        lessonId,
        storageKey: "pending",
        contentType: check.storedContentType,
        bytes: assetBytes(bytes),
        fileName,
        language: kind === "CAPTION" ? data.language : null,
        label: kind === "CAPTION" ? data.label || languageLabel(data.language!) : null,
      },
    });
    const { uploadKey, storageKey, contentType } = keysFor(kind, { courseId, assetId: created.id, placement, language: data.language, multipart: plan !== null }, check);
    const asset = await tx.asset.update({ where: { id: created.id }, data: { storageKey, contentType } });
    const upload = await tx.upload.create({
      data: {
        assetId: created.id,
        userId: user.id,
        key: uploadKey,
        fileName,
        contentType: check.storedContentType,
        bytes,
        partSize: plan?.partSize ?? null,
        expiresAt,
      },
    });
    return { asset, upload: withNumberBytes(upload) };
  });

  let transfer: UploadTransfer;
  try {
    if (plan) {
      const { uploadId } = await storage().createMultipartUpload(upload.key, { contentType: upload.contentType });
      await db.upload.update({ where: { id: upload.id }, data: { multipartId: uploadId } });
      transfer = { method: "MULTIPART", partSize: plan.partSize, partCount: plan.partCount };
    } else {
      transfer = { method: "PUT", ...(await presignWholeFile(upload)) };
    }
  } catch (err) {
    await db.asset.delete({ where: { id: asset.id } }).catch(() => undefined);
    throw err;
  }
  return { uploadId: upload.id, assetId: asset.id, kind, fileName, bytes, expiresAt: expiresAt.toISOString(), transfer };
}
