import "server-only";
import { requireCourseManager, type Viewer } from "@/lib/access";
import { db } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import type { Asset, AssetStatus as DbAssetStatus, Upload } from "@/lib/generated/prisma/client";
import { parseRenditions } from "@/lib/assets/renditions";
import { coverImageUrl } from "@/lib/media/delivery";
import { lessonVideoPrefix } from "@/lib/storage/keys";
import type { AssetStatus, AssetView, CoverForEditing, LessonMediaForEditing } from "./wire";

/** Assets as the instructor's pages and the upload API show them (AssetView, lib/uploads/wire.ts). */

// The wire's status union is the database enum, no more and no less (else this does not compile).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
type _StatusesAgree = Assert<Same<AssetStatus, DbAssetStatus>>;

type AssetWithExtras = Asset & { upload?: Pick<Upload, "id"> | null };

export function toView(a: AssetWithExtras): AssetView {
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    progress: a.kind === "VIDEO" && a.status === "PROCESSING" ? Math.max(0, Math.min(100, a.progress ?? 0)) : null,
    error: a.error,
    fileName: a.fileName,
    bytes: a.bytes === null ? null : Number(a.bytes),
    durationSeconds: a.durationSeconds,
    width: a.width,
    height: a.height,
    renditions: parseRenditions(a.renditions).map(({ name, width, height }) => ({ name, width, height })),
    language: a.language,
    label: a.label,
    createdAt: a.createdAt.toISOString(),
    uploadId: a.status === "UPLOADING" ? (a.upload?.id ?? null) : null,
    canRetry: a.kind === "VIDEO" && a.status === "FAILED" && a.transcodeFailedAt !== null && Boolean(a.upload),
  };
}

/** What toView reads besides the asset: its upload's id. */
export const viewInclude = {
  upload: { select: { id: true } },
};

export async function viewOf(assetId: string): Promise<AssetView> {
  const a = await db.asset.findUnique({ where: { id: assetId }, include: viewInclude });
  if (!a) throw new NotFoundError("File not found.");
  return toView(a);
}

export async function lessonMediaForEditing(viewer: Viewer | null, courseId: string, lessonId: string): Promise<LessonMediaForEditing> {
  await requireCourseManager(viewer, courseId);
  const lesson = await db.lesson.findUnique({ where: { id: lessonId }, select: { id: true, title: true, videoAssetId: true, section: { select: { courseId: true } } } });
  if (!lesson || lesson.section.courseId !== courseId) throw new NotFoundError("Lesson not found.");
  const assets = (await db.asset.findMany({ where: { lessonId }, orderBy: { createdAt: "asc" }, include: viewInclude })).map((a) => ({ row: a, view: toView(a) }));
  const current = assets.find((a) => a.row.id === lesson.videoAssetId && a.row.kind === "VIDEO") ?? null;
  const others = assets.filter((a) => a.row.kind === "VIDEO" && a.row.id !== lesson.videoAssetId && a.row.status !== "READY");
  const pending = others.length ? others[others.length - 1]! : null;
  const targetRow = current?.row.status === "READY" ? current.row : pending && pending.row.status !== "FAILED" ? pending.row : null;
  const folderOf = (a: Asset) => lessonVideoPrefix(courseId, lessonId, a.id);
  const currentFolder = current ? folderOf(current.row) : null;
  return {
    lesson: { id: lesson.id, title: lesson.title, courseId },
    video: { current: current?.view ?? null, pending: pending?.view ?? null },
    captionTarget: targetRow ? { assetId: targetRow.id, current: targetRow.id === current?.row.id } : null,
    captions: assets
      .filter((a) => a.row.kind === "CAPTION")
      .map((a) => ({ ...a.view, forCurrentVideo: currentFolder !== null && a.row.storageKey.startsWith(currentFolder) })),
    attachments: assets.filter((a) => a.row.kind === "ATTACHMENT").map((a) => a.view),
  };
}

export async function courseCoverForEditing(viewer: Viewer | null, courseId: string): Promise<CoverForEditing> {
  const access = await requireCourseManager(viewer, courseId);
  const course = await db.course.findUniqueOrThrow({ where: { id: courseId }, select: { cover: { include: viewInclude } } });
  const pendingRow = await db.asset.findFirst({
    where: { courseId, kind: "IMAGE", status: { not: "READY" }, ...(course.cover ? { id: { not: course.cover.id } } : {}) },
    orderBy: { createdAt: "desc" },
    include: viewInclude,
  });
  const url = course.cover ? await coverImageUrl(viewer, access.course, course.cover).catch(() => null) : null;
  return {
    cover: course.cover ? { ...toView(course.cover), url } : null,
    pending: pendingRow ? toView(pendingRow) : null,
  };
}
