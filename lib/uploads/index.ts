import "server-only";
import type { Readable } from "node:stream";
import { db } from "@/lib/db";
import { requireCourseManager, type Viewer } from "@/lib/access";
import { ConflictError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import type { Asset, AssetStatus, Job, Upload } from "@/lib/generated/prisma/client";
import { parseInput } from "@/lib/http/handler";
import { enqueueJob } from "@/lib/jobs/enqueue";
import { JobNotRetryableError, retryJob } from "@/lib/jobs/queue";
import { contentDisposition } from "@/lib/storage/content-types";
import { coverImageUrl } from "@/lib/media/delivery";
import { storage } from "@/lib/storage/instance";
import {
  courseCoverKey,
  lessonAttachmentKey,
  lessonCaptionKey,
  lessonVideoMasterKey,
  lessonVideoPrefix,
  sourceUploadKey,
} from "@/lib/storage/keys";
import { NoSuchUploadError } from "@/lib/storage/s3";
import { parseRenditions } from "@/lib/assets/renditions";
import { CaptionFormatError, toWebVtt } from "./captions";
import { COVER_SIZES, ImageProcessingError, renderCoverVariants } from "./images";
import { KIND_RULES, baseType, checkFile, formatBytes, languageLabel, partLength, partPlan, type UploadKind } from "./rules";
import { completeUploadSchema, idSchema, presignPartsSchema, startUploadSchema } from "./schemas";
import { SNIFF_BYTES, checkContents } from "./sniff";

/**
 * Instructors' uploads, straight from the browser to storage (the bytes never pass through
 * the app): the server checks the file's name, type and size, decides the object key from
 * ids, hands out a presigned PUT or multipart part URLs, then verifies what was stored
 * (size, magic bytes) before the asset becomes usable. ADR 032.
 *
 * Asset lifecycle: UPLOADING (bytes on their way) -> PROCESSING (being verified; for a video
 * then transcoded by the worker) -> READY, or FAILED with a reason the instructor can read.
 */

/** How long an unfinished upload can be resumed. */
export const UPLOAD_TTL_SECONDS = 24 * 3600;
/** Lifetime of a presigned PUT or part URL (the uploader asks again when one expires). */
export const UPLOAD_URL_SECONDS = 3600;

const HLS_TYPE = "application/vnd.apple.mpegurl";

/**
 * Sizes are BigInt columns (files over 2 GB); the domain works in numbers, exact up to
 * 2^53 bytes, converting once where rows are read.
 */
const assetBytes = (n: number) => BigInt(n);
type UploadRecord = Omit<Upload, "bytes"> & { bytes: number };
type UploadRow = UploadRecord & { asset: Asset };
const withNumberBytes = <T extends { bytes: bigint }>(row: T): Omit<T, "bytes"> & { bytes: number } => ({ ...row, bytes: Number(row.bytes) });
const IMMUTABLE = "public, max-age=31536000, immutable";

// ---------------------------------------------------------------------------------------------
// Views

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
  renditions: { name: string; width: number; height: number }[];
  language: string | null;
  label: string | null;
  createdAt: string;
  /** The unfinished upload, when status is UPLOADING. */
  uploadId: string | null;
  /** A failed transcode that "Retry" can re-queue. */
  canRetry: boolean;
}

type AssetWithExtras = Asset & { upload?: Pick<Upload, "id"> | null; jobs?: Pick<Job, "status" | "progress">[] };


function toView(a: AssetWithExtras): AssetView {
  const job = a.jobs?.[0];
  return {
    id: a.id,
    kind: a.kind,
    status: a.status,
    progress: a.kind === "VIDEO" && a.status === "PROCESSING" ? Math.max(0, Math.min(100, job?.progress ?? 0)) : null,
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
    canRetry: a.kind === "VIDEO" && a.status === "FAILED" && job?.status === "FAILED",
  };
}

const viewInclude = {
  upload: { select: { id: true } },
  jobs: { orderBy: [{ createdAt: "desc" as const }, { id: "desc" as const }], take: 1, select: { status: true, progress: true } },
};

async function viewOf(assetId: string): Promise<AssetView> {
  const a = await db.asset.findUnique({ where: { id: assetId }, include: viewInclude });
  if (!a) throw new NotFoundError("File not found.");
  return toView(a);
}

// ---------------------------------------------------------------------------------------------
// Start

export type UploadTransfer =
  | { method: "PUT"; url: string; headers: Record<string, string> }
  | { method: "MULTIPART"; partSize: number; partCount: number };

export interface StartedUpload {
  uploadId: string;
  assetId: string;
  kind: UploadKind;
  fileName: string;
  bytes: number;
  /** Resume until then (ISO 8601). */
  expiresAt: string;
  transfer: UploadTransfer;
}

function validation(message: string, field: string): ValidationError {
  return new ValidationError(message, { [field]: [message] });
}

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
  const multipart = check.transfer === "MULTIPART";
  const plan = multipart ? partPlan(bytes) : null;
  const expiresAt = new Date(now.getTime() + UPLOAD_TTL_SECONDS * 1000);
  const disposition = kind === "ATTACHMENT" ? contentDisposition(fileName) : undefined;

  if (kind === "VIDEO") {
    // A new upload supersedes earlier failed attempts for this lesson.
    const failed = await db.asset.findMany({ where: { lessonId, kind: "VIDEO", status: "FAILED", videoOfLesson: { is: null } }, include: { upload: true } });
    for (const f of failed) await removeAsset(f);
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
    const id = created.id;
    let key: string;
    let storageKey: string;
    let contentType = check.storedContentType;
    switch (kind) {
      case "VIDEO":
        key = sourceUploadKey(courseId, id, check.ext);
        storageKey = lessonVideoMasterKey(courseId, lessonId!, id);
        contentType = HLS_TYPE;
        break;
      case "IMAGE":
        key = sourceUploadKey(courseId, id, check.ext);
        storageKey = courseCoverKey(courseId, id, "jpg");
        contentType = "image/jpeg";
        break;
      case "CAPTION":
        key = sourceUploadKey(courseId, id, check.ext);
        storageKey = lessonCaptionKey(courseId, lessonId!, placement.captionVideoId!, data.language!);
        contentType = "text/vtt";
        break;
      case "ATTACHMENT":
        key = storageKey = lessonAttachmentKey(courseId, lessonId!, id, check.ext);
        break;
    }
    const asset = await tx.asset.update({ where: { id }, data: { storageKey, contentType } });
    const upload = await tx.upload.create({
      data: {
        assetId: id,
        userId: user.id,
        key,
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
      const { uploadId } = await storage().createMultipartUpload(upload.key, {
        contentType: upload.contentType,
        contentDisposition: disposition,
      });
      await db.upload.update({ where: { id: upload.id }, data: { multipartId: uploadId } });
      transfer = { method: "MULTIPART", partSize: plan.partSize, partCount: plan.partCount };
    } else {
      const put = await storage().presignPut(upload.key, {
        expiresIn: UPLOAD_URL_SECONDS,
        contentType: upload.contentType,
        contentLength: bytes,
        contentDisposition: disposition,
      });
      transfer = { method: "PUT", url: put.url, headers: put.headers };
    }
  } catch (err) {
    await db.asset.delete({ where: { id: asset.id } }).catch(() => undefined);
    throw err;
  }
  return { uploadId: upload.id, assetId: asset.id, kind, fileName, bytes, expiresAt: expiresAt.toISOString(), transfer };
}

function planOf(upload: UploadRecord) {
  if (!upload.multipartId || !upload.partSize) return null;
  return { partSize: upload.partSize, partCount: Math.ceil(upload.bytes / upload.partSize) };
}

// ---------------------------------------------------------------------------------------------
// Parts

/** Signed-out callers get 401 before anything is looked up. */
function requireViewer(viewer: Viewer | null): Viewer {
  if (!viewer) throw new UnauthenticatedError();
  return viewer;
}

async function uploadForManager(viewer: Viewer | null, uploadId: string) {
  requireViewer(viewer);
  parseInput(idSchema, uploadId);
  const row = await db.upload.findUnique({ where: { id: uploadId }, include: { asset: true } });
  if (!row) throw new NotFoundError("This upload does not exist (it was finished or cancelled).");
  await requireCourseManager(viewer, row.asset.courseId);
  return withNumberBytes(row);
}

function assertOpen(upload: UploadRow, now = new Date()): void {
  if (upload.asset.status !== "UPLOADING") throw new ConflictError("This upload has already finished.");
  if (upload.expiresAt <= now) throw new ConflictError("This upload has expired: start it again.");
}

export interface PresignedPart {
  partNumber: number;
  url: string;
  /** Headers to send unchanged (none for parts today). */
  headers: Record<string, string>;
  /** Exact size this part must have. */
  bytes: number;
}

/** Presigned URLs for some parts of a multipart upload (asked for on demand, a few at a time). */
export async function presignParts(viewer: Viewer | null, uploadId: string, input: unknown): Promise<{ parts: PresignedPart[]; expiresAt: string }> {
  const { partNumbers } = parseInput(presignPartsSchema, input);
  const upload = await uploadForManager(viewer, uploadId);
  assertOpen(upload);
  const plan = planOf(upload);
  if (!plan) throw new ConflictError("This upload is a single PUT: it has no parts.");
  const numbers = [...new Set(partNumbers)].sort((a, b) => a - b);
  const beyond = numbers.find((n) => n > plan.partCount);
  if (beyond) throw validation(`Part ${beyond} does not exist: this upload has ${plan.partCount} parts.`, "partNumbers");
  const parts = await Promise.all(
    numbers.map(async (n) => {
      const bytes = partLength(plan, upload.bytes, n);
      const signed = await storage().presignUploadPart(upload.key, upload.multipartId!, n, { expiresIn: UPLOAD_URL_SECONDS, contentLength: bytes });
      return { partNumber: n, url: signed.url, headers: signed.headers, bytes };
    }),
  );
  return { parts, expiresAt: new Date(Date.now() + UPLOAD_URL_SECONDS * 1000).toISOString() };
}

export interface UploadState {
  uploadId: string;
  assetId: string;
  kind: UploadKind;
  fileName: string;
  bytes: number;
  expiresAt: string;
  method: "PUT" | "MULTIPART";
  partSize: number | null;
  partCount: number | null;
  /** Parts storage already holds (multipart), ascending. */
  parts: { partNumber: number; etag: string; size: number }[];
  /** PUT uploads: a fresh URL to send the whole file again. */
  put?: { url: string; headers: Record<string, string> };
}

/** What storage already holds for an unfinished upload, so the uploader sends only the rest. */
export async function listUploadedParts(viewer: Viewer | null, uploadId: string): Promise<UploadState> {
  const upload = await uploadForManager(viewer, uploadId);
  assertOpen(upload);
  const plan = planOf(upload);
  const base = {
    uploadId: upload.id,
    assetId: upload.assetId,
    kind: upload.asset.kind,
    fileName: upload.fileName,
    bytes: upload.bytes,
    expiresAt: upload.expiresAt.toISOString(),
  };
  if (!plan) {
    const put = await storage().presignPut(upload.key, {
      expiresIn: UPLOAD_URL_SECONDS,
      contentType: upload.contentType,
      contentLength: upload.bytes,
      contentDisposition: upload.asset.kind === "ATTACHMENT" ? contentDisposition(upload.fileName) : undefined,
    });
    return { ...base, method: "PUT", partSize: null, partCount: null, parts: [], put: { url: put.url, headers: put.headers } };
  }
  let parts;
  try {
    parts = await storage().listParts(upload.key, upload.multipartId!);
  } catch (err) {
    if (err instanceof NoSuchUploadError) throw new ConflictError("Storage no longer has this upload: start it again.");
    throw err;
  }
  // Parts of the wrong size (an interrupted or foreign PUT) are not counted: they are sent again.
  const valid = parts.filter((p) => p.partNumber <= plan.partCount && p.size === partLength(plan, upload.bytes, p.partNumber));
  return { ...base, method: "MULTIPART", partSize: plan.partSize, partCount: plan.partCount, parts: valid };
}

// ---------------------------------------------------------------------------------------------
// Complete and verify

/** UPLOADING -> PROCESSING, once: concurrent completions of the same upload do the work once. */
async function claim(assetId: string): Promise<boolean> {
  const { count } = await db.asset.updateMany({ where: { id: assetId, status: "UPLOADING" }, data: { status: "PROCESSING" } });
  return count === 1;
}

async function release(assetId: string): Promise<void> {
  await db.asset.updateMany({ where: { id: assetId, status: "PROCESSING" }, data: { status: "UPLOADING" } });
}

async function readAll(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const b = Buffer.from(chunk as Uint8Array);
    total += b.length;
    if (total > limit) {
      body.destroy();
      throw new Error(`readAll: more than ${limit} bytes`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** The upload's result is unusable: nothing stays in storage, the asset says why (422). */
async function fail(upload: UploadRecord, message: string): Promise<never> {
  await storage()
    .deleteObject(upload.key)
    .catch((err: unknown) => console.error("upload verification: could not delete", upload.key, err));
  await db.asset.update({ where: { id: upload.assetId }, data: { status: "FAILED", error: message } });
  throw validation(message, "file");
}

/**
 * Finishes an upload: assembles the multipart upload (or checks the PUT arrived), verifies the
 * stored object (size, headers, magic bytes) and hands it on: a video to the transcoding
 * queue, a cover to sharp, captions to WebVTT, an attachment straight to READY.
 * A file that is not what it claims is deleted and the asset marked FAILED (422).
 */
export async function completeUpload(viewer: Viewer | null, uploadId: string, input: unknown = {}): Promise<AssetView> {
  const { parts: declared } = parseInput(completeUploadSchema, input ?? {});
  const upload = await uploadForManager(viewer, uploadId);
  const asset = upload.asset;

  if (asset.status !== "UPLOADING") {
    // Completed before (a retried request): answer the same.
    if (asset.status === "FAILED") throw validation(asset.error ?? "This upload failed.", "file");
    if (asset.status === "PROCESSING" && asset.kind !== "VIDEO") throw new ConflictError("This upload is being checked: try again in a moment.");
    return viewOf(asset.id);
  }
  if (upload.expiresAt <= new Date()) throw new ConflictError("This upload has expired: start it again.");

  const s = storage();
  const plan = planOf(upload);
  if (plan) {
    let stored;
    try {
      stored = await s.listParts(upload.key, upload.multipartId!);
    } catch (err) {
      if (err instanceof NoSuchUploadError) {
        // Already assembled by an earlier attempt that failed afterwards? Then verify that object.
        if (!(await s.headObject(upload.key))) throw new ConflictError("Storage no longer has this upload: start it again.");
        stored = null;
      } else {
        throw err;
      }
    }
    if (stored) {
      const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
      const missing: number[] = [];
      for (let n = 1; n <= plan.partCount; n++) {
        const p = byNumber.get(n);
        if (!p || p.size !== partLength(plan, upload.bytes, n)) missing.push(n);
      }
      if (missing.length) {
        const list = missing.length > 5 ? `${missing.slice(0, 5).join(", ")}… (${missing.length} in all)` : missing.join(", ");
        throw new ConflictError(`Part${missing.length > 1 ? "s" : ""} ${list} ${missing.length > 1 ? "are" : "is"} missing: upload ${missing.length > 1 ? "them" : "it"}, then finish again.`);
      }
      for (const d of declared ?? []) {
        const p = byNumber.get(d.partNumber);
        if (!p || p.etag !== d.etag.replace(/"/g, "")) {
          throw new ConflictError(`Part ${d.partNumber} in storage is not the one your browser sent: upload it again, then finish.`);
        }
      }
      if (!(await claim(asset.id))) throw new ConflictError("This upload is already being finished.");
      try {
        await s.completeMultipartUpload(
          upload.key,
          upload.multipartId!,
          Array.from({ length: plan.partCount }, (_, i) => ({ partNumber: i + 1, etag: byNumber.get(i + 1)!.etag })),
        );
      } catch (err) {
        await release(asset.id);
        throw err;
      }
    } else if (!(await claim(asset.id))) {
      throw new ConflictError("This upload is already being finished.");
    }
  } else {
    if (declared?.length) throw validation("This upload was a single PUT: send no parts.", "parts");
    if (!(await claim(asset.id))) throw new ConflictError("This upload is already being finished.");
  }

  try {
    return await verifyAndFinish(upload, asset);
  } catch (err) {
    // Unexpected errors (storage down...): back to UPLOADING so completing again can work.
    if (!(err instanceof ValidationError)) await release(asset.id);
    throw err;
  }
}

async function verifyAndFinish(upload: UploadRecord, asset: Asset): Promise<AssetView> {
  const s = storage();
  const kind = asset.kind;
  const head = await s.headObject(upload.key);
  if (!head) {
    await release(asset.id);
    throw new ConflictError("Storage has not received the file yet: upload it, then finish again.");
  }
  if (head.contentLength !== upload.bytes) {
    return fail(
      upload,
      `The stored file is ${formatBytes(head.contentLength)} (${head.contentLength.toLocaleString("en-US")} bytes) but ${upload.bytes.toLocaleString("en-US")} bytes were announced: upload the file again.`,
    );
  }
  if (baseType(head.contentType ?? "") !== baseType(upload.contentType)) {
    return fail(upload, `The file was stored as ${head.contentType ?? "an unknown type"} instead of ${upload.contentType}: upload it again.`);
  }
  if (kind === "ATTACHMENT" && !(head.contentDisposition ?? "").startsWith("attachment")) {
    return fail(upload, "The file was stored without its download name: upload it again.");
  }

  const check = checkFile(kind, { fileName: upload.fileName, contentType: "", bytes: upload.bytes });
  const sniffLength = Math.min(SNIFF_BYTES, upload.bytes);
  const got = await s.getObject(upload.key, { range: { start: 0, end: sniffLength - 1 } });
  const headBytes = await readAll(got.body, SNIFF_BYTES);
  const contents = checkContents(kind, headBytes, {
    attachmentContents: check.ok ? check.contents : undefined,
    truncated: upload.bytes > headBytes.length,
  });
  if (!contents.ok) return fail(upload, contents.message);

  switch (kind) {
    case "VIDEO": {
      await db.asset.update({ where: { id: asset.id }, data: { status: "PROCESSING", bytes: assetBytes(upload.bytes), error: null } });
      await enqueueJob(db, "transcode", { assetId: asset.id, sourceKey: upload.key });
      break;
    }
    case "IMAGE": {
      const original = await readAll((await s.getObject(upload.key)).body, KIND_RULES.IMAGE.maxBytes);
      let rendered;
      try {
        rendered = await renderCoverVariants(original);
      } catch (err) {
        if (err instanceof ImageProcessingError) return fail(upload, err.message);
        throw err;
      }
      const keys = rendered.variants.map((v) => courseCoverKey(asset.courseId, `${asset.id}${v.suffix}`, v.ext));
      await Promise.all(rendered.variants.map((v, i) => s.putObject(keys[i]!, v.body, { contentType: v.contentType, cacheControl: IMMUTABLE })));
      const main = rendered.variants[0]!;
      const previous = await db.course.findUnique({ where: { id: asset.courseId }, select: { cover: { include: { upload: true } } } });
      await db.$transaction([
        db.asset.update({
          where: { id: asset.id },
          data: { status: "READY", storageKey: keys[0], contentType: main.contentType, width: main.width, height: main.height, bytes: assetBytes(upload.bytes), error: null },
        }),
        db.course.update({ where: { id: asset.courseId }, data: { coverAssetId: asset.id } }),
      ]);
      if (previous?.cover && previous.cover.id !== asset.id) await removeAsset(previous.cover);
      break;
    }
    case "CAPTION": {
      const raw = await readAll((await s.getObject(upload.key)).body, KIND_RULES.CAPTION.maxBytes);
      let vtt: string;
      try {
        vtt = toWebVtt(raw, contents.format === "srt" ? "srt" : "webvtt");
      } catch (err) {
        if (err instanceof CaptionFormatError) return fail(upload, err.message);
        throw err;
      }
      const body = Buffer.from(vtt, "utf8");
      // Replacing a language overwrites the same key: keep caches short.
      await s.putObject(asset.storageKey, body, { contentType: "text/vtt; charset=utf-8", cacheControl: "max-age=60" });
      await s.deleteObject(upload.key).catch(() => undefined);
      await db.$transaction([
        // The caption this one replaces (same video, same language); its object was just overwritten.
        db.asset.deleteMany({
          where: { kind: "CAPTION", lessonId: asset.lessonId, storageKey: asset.storageKey, status: { in: ["READY", "FAILED"] }, id: { not: asset.id } },
        }),
        db.asset.update({ where: { id: asset.id }, data: { status: "READY", bytes: body.length, error: null } }),
      ]);
      break;
    }
    case "ATTACHMENT": {
      await db.asset.update({ where: { id: asset.id }, data: { status: "READY", bytes: assetBytes(upload.bytes), error: null } });
      break;
    }
  }
  return viewOf(asset.id);
}

// ---------------------------------------------------------------------------------------------
// Abort, delete, retry

/** Every object an asset may have left in storage (deleting a missing key is fine). */
async function removeObjects(asset: Asset & { upload?: Pick<Upload, "key" | "multipartId"> | null }): Promise<void> {
  const s = storage();
  const keys = new Set<string>();
  if (asset.upload) {
    if (asset.upload.multipartId) await s.abortMultipartUpload(asset.upload.key, asset.upload.multipartId);
    keys.add(asset.upload.key);
  }
  switch (asset.kind) {
    case "IMAGE":
      for (const size of COVER_SIZES) for (const ext of ["jpg", "webp"]) keys.add(courseCoverKey(asset.courseId, `${asset.id}${size.suffix}`, ext));
      break;
    case "CAPTION":
    case "ATTACHMENT":
      if (asset.storageKey !== "pending") {
        // A caption key is shared by one language of one video: only delete it when no other row uses it.
        const others = asset.kind === "CAPTION" ? await db.asset.count({ where: { storageKey: asset.storageKey, id: { not: asset.id } } }) : 0;
        if (others === 0) keys.add(asset.storageKey);
      }
      break;
    case "VIDEO":
      if (asset.lessonId) await s.deletePrefix(lessonVideoPrefix(asset.courseId, asset.lessonId, asset.id));
      break;
  }
  await Promise.all([...keys].map((k) => s.deleteObject(k)));
}

async function removeAsset(asset: Asset & { upload?: Pick<Upload, "key" | "multipartId"> | null }): Promise<void> {
  await removeObjects(asset);
  if (asset.kind === "VIDEO" && asset.lessonId) {
    // Captions stored in that video's folder went with it.
    await db.asset.deleteMany({ where: { lessonId: asset.lessonId, kind: "CAPTION", storageKey: { startsWith: lessonVideoPrefix(asset.courseId, asset.lessonId, asset.id) } } });
  }
  await db.asset.deleteMany({ where: { id: asset.id } });
}

/** Cancels an unfinished (or failed) upload: the multipart upload is aborted, objects and asset deleted. */
export async function abortUpload(viewer: Viewer | null, uploadId: string): Promise<void> {
  const upload = await uploadForManager(viewer, uploadId);
  const status = upload.asset.status;
  if (status === "READY" || status === "PROCESSING") throw new ConflictError("This upload has already finished: delete the file instead.");
  await removeAsset({ ...upload.asset, upload });
}

/**
 * Deletes a caption, attachment, cover or failed video (its objects and row). An unfinished
 * upload is cancelled. The lesson's current video is replaced by uploading another, not deleted.
 */
export async function deleteAsset(viewer: Viewer | null, assetId: string): Promise<void> {
  requireViewer(viewer);
  parseInput(idSchema, assetId);
  const asset = await db.asset.findUnique({ where: { id: assetId }, include: { upload: true, videoOfLesson: { select: { id: true } } } });
  if (!asset) throw new NotFoundError("File not found.");
  await requireCourseManager(viewer, asset.courseId);
  if (asset.status === "PROCESSING") {
    throw new ConflictError(asset.kind === "VIDEO" ? "This video is still processing: wait until it is ready or has failed." : "This file is still being checked: try again in a moment.");
  }
  if (asset.kind === "VIDEO" && asset.videoOfLesson) throw new ConflictError("This is the lesson's current video: upload a replacement instead.");
  await removeAsset(asset);
}

/** "Retry" on a video whose transcoding failed: re-queues its job. */
export async function retryVideo(viewer: Viewer | null, assetId: string): Promise<AssetView> {
  requireViewer(viewer);
  parseInput(idSchema, assetId);
  const asset = await db.asset.findUnique({ where: { id: assetId }, select: { id: true, kind: true, courseId: true } });
  if (!asset) throw new NotFoundError("File not found.");
  await requireCourseManager(viewer, asset.courseId);
  if (asset.kind !== "VIDEO") throw validation("Only a video's processing can be retried.", "assetId");
  try {
    await retryJob(db, asset.id);
  } catch (err) {
    if (err instanceof JobNotRetryableError) throw new ConflictError(err.message);
    throw err;
  }
  return viewOf(asset.id);
}

/** Status of one asset (the video panel polls it while processing). */
export async function getAssetStatus(viewer: Viewer | null, assetId: string): Promise<AssetView> {
  requireViewer(viewer);
  parseInput(idSchema, assetId);
  const asset = await db.asset.findUnique({ where: { id: assetId }, include: viewInclude });
  if (!asset) throw new NotFoundError("File not found.");
  await requireCourseManager(viewer, asset.courseId);
  return toView(asset);
}

/**
 * Cleans up uploads nobody finished within UPLOAD_TTL_SECONDS: multipart uploads aborted,
 * partial objects and assets deleted. Called (bounded) when an upload starts; a scheduler may
 * call it too.
 */
export async function purgeExpiredUploads(options: { courseId?: string; now?: Date; limit?: number } = {}): Promise<number> {
  const now = options.now ?? new Date();
  const stale = await db.upload.findMany({
    where: { expiresAt: { lte: now }, asset: { status: "UPLOADING", ...(options.courseId ? { courseId: options.courseId } : {}) } },
    include: { asset: true },
    take: options.limit ?? 20,
  });
  for (const u of stale) await removeAsset({ ...u.asset, upload: u });
  return stale.length;
}

// ---------------------------------------------------------------------------------------------
// Instructor panels

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

export interface CoverForEditing {
  cover: (AssetView & { url: string | null }) | null;
  /** The newest other cover upload that is unfinished or failed. */
  pending: AssetView | null;
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
