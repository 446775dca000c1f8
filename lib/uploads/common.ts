import "server-only";
import { requireCourseManager, type Viewer } from "@/lib/access";
import type { AssetDeps } from "@/lib/assets";
import { db } from "@/lib/db";
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import type { Asset, Upload } from "@/lib/generated/prisma/client";
import { storage } from "@/lib/storage/instance";
import { SOURCES_PREFIX } from "@/lib/storage/keys";
import { parseInput } from "@/lib/validation";
import { UPLOAD_URL_SECONDS } from "./rules";
import { idSchema } from "./schemas";
import type { SignedRequest } from "./wire";

/** What the steps of an upload (start, parts, complete, manage) share. */

/** How long an unfinished upload can be resumed. */
export const UPLOAD_TTL_SECONDS = 24 * 3600;
export { UPLOAD_URL_SECONDS };

/** The app's database and storage, for the asset lifecycle (lib/assets). */
export function appDeps(): AssetDeps {
  return { db, storage: storage() };
}

/**
 * Sizes are BigInt columns (files over 2 GB); the domain works in numbers, exact up to
 * 2^53 bytes, converting once where rows are read.
 */
export const assetBytes = (n: number) => BigInt(n);
export type UploadRecord = Omit<Upload, "bytes"> & { bytes: number };
export type UploadRow = UploadRecord & { asset: Asset };
export const withNumberBytes = <T extends { bytes: bigint }>(row: T): Omit<T, "bytes"> & { bytes: number } => ({ ...row, bytes: Number(row.bytes) });

export function validation(message: string, field: string): ValidationError {
  return new ValidationError(message, { [field]: [message] });
}

/** Signed-out callers get 401 before anything is looked up. */
export function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new UnauthenticatedError();
  return viewer;
}

/** The upload (with its asset), for a manager of its course. */
export async function uploadForManager(viewer: Viewer | null, uploadId: string): Promise<UploadRow> {
  requireViewer(viewer);
  parseInput(idSchema, uploadId);
  const row = await db.upload.findUnique({ where: { id: uploadId }, include: { asset: true } });
  if (!row) throw new NotFoundError("This upload does not exist (it was finished or cancelled).");
  await requireCourseManager(viewer, row.asset.courseId);
  return withNumberBytes(row);
}

export function assertOpen(upload: UploadRow, now = new Date()): void {
  if (upload.asset.status !== "UPLOADING") throw new ConflictError("This upload has already finished.");
  if (upload.expiresAt <= now) throw new ConflictError("This upload has expired: start it again.");
}

/** The multipart plan of an upload; null for a single PUT. */
export function planOf(upload: UploadRecord) {
  if (!upload.multipartId || !upload.partSize) return null;
  return { partSize: upload.partSize, partCount: Math.ceil(upload.bytes / upload.partSize) };
}

/**
 * A presigned PUT of the whole file to the upload key (Content-Type and Content-Length signed).
 * The headers of what viewers get are set by the server when it copies the verified file.
 */
export async function presignWholeFile(upload: Pick<UploadRecord, "key" | "contentType" | "bytes">): Promise<SignedRequest> {
  // A PUT URL can rewrite its key until it expires: only ever for an upload key under sources/ (ADR 046, 053).
  if (!upload.key.startsWith(SOURCES_PREFIX)) throw new Error(`presignWholeFile: ${upload.key} is not an upload key under ${SOURCES_PREFIX}`);
  const put = await storage().presignPut(upload.key, {
    expiresIn: UPLOAD_URL_SECONDS,
    contentType: upload.contentType,
    contentLength: upload.bytes,
  });
  return { url: put.url, headers: put.headers };
}

/** UPLOADING -> PROCESSING, once: concurrent completions of the same upload do the work once. */
export async function claim(assetId: string): Promise<boolean> {
  const { count } = await db.asset.updateMany({ where: { id: assetId, status: "UPLOADING" }, data: { status: "PROCESSING" } });
  return count === 1;
}

/** Back to UPLOADING (nothing was decided): completing again can work. */
export async function release(assetId: string): Promise<void> {
  await db.asset.updateMany({ where: { id: assetId, status: "PROCESSING" }, data: { status: "UPLOADING" } });
}
