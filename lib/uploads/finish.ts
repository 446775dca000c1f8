import "server-only";
import { coverRenditionKey, removeAsset } from "@/lib/assets";
import { db } from "@/lib/db";
import type { Asset } from "@/lib/generated/prisma/client";
import { appBoss } from "@/lib/jobs/boss";
import { enqueueTranscode } from "@/lib/jobs/transcode";
import { storage } from "@/lib/storage/instance";
import { CaptionFormatError, toWebVtt } from "./captions";
import { appDeps, assetBytes, type UploadRecord } from "./common";
import { ImageProcessingError, renderCoverVariants } from "./images";
import { IMMUTABLE, fail, verifyUpload } from "./verify";
import { viewOf } from "./views";
import type { AssetView } from "./wire";

/**
 * Step 5 of an upload: the verified bytes (lib/uploads/verify.ts) handed on per kind, then the
 * upload object deleted: nothing uses it any more (a later PUT with a still-valid URL leaves an
 * orphan under sources/ that the bucket's lifecycle rule expires; ADR 046) — unless it is the
 * verified object itself (a multipart video assembled at its original key, ADR 053).
 */

/** VIDEO: PROCESSING and a transcode job for the worker, together (one transaction); the worker reads the verified copy. */
async function finishVideo(upload: UploadRecord, asset: Asset, original: string): Promise<void> {
  const boss = await appBoss();
  await db.$transaction(async (tx) => {
    await tx.asset.update({ where: { id: asset.id }, data: { status: "PROCESSING", progress: 0, bytes: assetBytes(upload.bytes), error: null } });
    await enqueueTranscode(boss, tx, { assetId: asset.id, sourceKey: original });
  });
}

/** IMAGE: renditions by sharp from the verified bytes, READY, the course's cover; the previous cover is removed. */
async function finishCover(upload: UploadRecord, asset: Asset, original: Buffer): Promise<void> {
  let rendered;
  try {
    rendered = await renderCoverVariants(original);
  } catch (err) {
    if (err instanceof ImageProcessingError) return fail(upload, err.message);
    throw err;
  }
  const keys = rendered.variants.map((v) => coverRenditionKey(asset.courseId, asset.id, v.suffix, v.ext));
  await Promise.all(rendered.variants.map((v, i) => storage().putObject(keys[i]!, v.body, { contentType: v.contentType, cacheControl: IMMUTABLE })));
  const main = rendered.variants[0]!;
  const previous = await db.course.findUnique({ where: { id: asset.courseId }, select: { cover: { select: { id: true } } } });
  await db.$transaction([
    db.asset.update({
      where: { id: asset.id },
      data: { status: "READY", storageKey: keys[0], contentType: main.contentType, width: main.width, height: main.height, bytes: assetBytes(upload.bytes), error: null },
    }),
    db.course.update({ where: { id: asset.courseId }, data: { coverAssetId: asset.id } }),
  ]);
  if (previous?.cover && previous.cover.id !== asset.id) await removeAsset(appDeps(), previous.cover.id);
}

/** CAPTION: WebVTT (from the verified bytes) beside the video, READY; a caption of the same language is replaced. */
async function finishCaption(upload: UploadRecord, asset: Asset, raw: Buffer, format: "webvtt" | "srt"): Promise<void> {
  let vtt: string;
  try {
    vtt = toWebVtt(raw, format);
  } catch (err) {
    if (err instanceof CaptionFormatError) return fail(upload, err.message);
    throw err;
  }
  const body = Buffer.from(vtt, "utf8");
  // Replacing a language overwrites the same key: keep caches short.
  await storage().putObject(asset.storageKey, body, { contentType: "text/vtt; charset=utf-8", cacheControl: "max-age=60" });
  await db.$transaction([
    // The caption this one replaces (same video, same language); its object was just overwritten.
    db.asset.deleteMany({
      where: { kind: "CAPTION", lessonId: asset.lessonId, storageKey: asset.storageKey, status: { in: ["READY", "FAILED"] }, id: { not: asset.id } },
    }),
    db.asset.update({ where: { id: asset.id }, data: { status: "READY", bytes: body.length, error: null } }),
  ]);
}

/** ATTACHMENT: the verified copy is where students download it; READY. */
async function finishAttachment(upload: UploadRecord, asset: Asset): Promise<void> {
  await db.asset.update({ where: { id: asset.id }, data: { status: "READY", bytes: assetBytes(upload.bytes), error: null } });
}

/** Verifies a claimed (PROCESSING) upload, hands it on per kind, and deletes the upload object. */
export async function verifyAndFinish(upload: UploadRecord, asset: Asset): Promise<AssetView> {
  const verified = await verifyUpload(upload, asset);
  switch (asset.kind) {
    case "VIDEO":
      await finishVideo(upload, asset, verified.key!);
      break;
    case "IMAGE":
      await finishCover(upload, asset, verified.bytes!);
      break;
    case "CAPTION":
      await finishCaption(upload, asset, verified.bytes!, verified.format === "srt" ? "srt" : "webvtt");
      break;
    case "ATTACHMENT":
      await finishAttachment(upload, asset);
      break;
  }
  // A multipart video assembled at its original key is the verified object itself: it stays.
  if (verified.key !== upload.key) {
    await storage()
      .deleteObject(upload.key)
      .catch((err: unknown) => console.error("upload completion: could not delete the upload object", upload.key, err));
  }
  return viewOf(asset.id);
}
