import "server-only";
import type { Readable } from "node:stream";
import { coverRenditionKey, removeAsset } from "@/lib/assets";
import { db } from "@/lib/db";
import { ConflictError } from "@/lib/errors";
import type { Asset } from "@/lib/generated/prisma/client";
import { appBoss } from "@/lib/jobs/boss";
import { enqueueTranscode } from "@/lib/jobs/transcode";
import { storage } from "@/lib/storage/instance";
import { CaptionFormatError, toWebVtt } from "./captions";
import { appDeps, assetBytes, release, validation, type UploadRecord } from "./common";
import { ImageProcessingError, renderCoverVariants } from "./images";
import { KIND_RULES, baseType, checkFile, formatBytes } from "./rules";
import { SNIFF_BYTES, checkContents, type SniffedFormat } from "./sniff";
import { viewOf } from "./views";
import type { AssetView } from "./wire";

/**
 * Step 4 of an upload: what storage holds is checked (size, signed headers, magic bytes) before
 * anything is usable, then handed on per kind. A file that is not what it claims is deleted
 * and its asset marked FAILED with a reason the instructor can read (422).
 */

const IMMUTABLE = "public, max-age=31536000, immutable";

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

async function readObject(key: string, limit: number): Promise<Buffer> {
  return readAll((await storage().getObject(key)).body, limit);
}

/** The upload's result is unusable: nothing stays in storage, the asset says why (422). */
async function fail(upload: UploadRecord, message: string): Promise<never> {
  await storage()
    .deleteObject(upload.key)
    .catch((err: unknown) => console.error("upload verification: could not delete", upload.key, err));
  await db.asset.update({ where: { id: upload.assetId }, data: { status: "FAILED", error: message } });
  throw validation(message, "file");
}

/** Size, signed headers and contents of the stored object; returns what the contents look like. */
async function checkStoredObject(upload: UploadRecord, asset: Asset): Promise<SniffedFormat> {
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
  return contents.format;
}

/** VIDEO: PROCESSING and a transcode job for the worker, together (one transaction). */
async function finishVideo(upload: UploadRecord, asset: Asset): Promise<void> {
  const boss = await appBoss();
  await db.$transaction(async (tx) => {
    await tx.asset.update({ where: { id: asset.id }, data: { status: "PROCESSING", progress: 0, bytes: assetBytes(upload.bytes), error: null } });
    await enqueueTranscode(boss, tx, { assetId: asset.id, sourceKey: upload.key });
  });
}

/** IMAGE: renditions by sharp, READY, the course's cover; the previous cover is removed. */
async function finishCover(upload: UploadRecord, asset: Asset): Promise<void> {
  const original = await readObject(upload.key, KIND_RULES.IMAGE.maxBytes);
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

/** CAPTION: WebVTT beside the video, READY; a caption of the same language is replaced. */
async function finishCaption(upload: UploadRecord, asset: Asset, format: SniffedFormat): Promise<void> {
  const raw = await readObject(upload.key, KIND_RULES.CAPTION.maxBytes);
  let vtt: string;
  try {
    vtt = toWebVtt(raw, format === "srt" ? "srt" : "webvtt");
  } catch (err) {
    if (err instanceof CaptionFormatError) return fail(upload, err.message);
    throw err;
  }
  const body = Buffer.from(vtt, "utf8");
  const s = storage();
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
}

/** ATTACHMENT: already where students download it, READY. */
async function finishAttachment(upload: UploadRecord, asset: Asset): Promise<void> {
  await db.asset.update({ where: { id: asset.id }, data: { status: "READY", bytes: assetBytes(upload.bytes), error: null } });
}

/** Verifies the stored object of a claimed (PROCESSING) upload and hands it on per kind. */
export async function verifyAndFinish(upload: UploadRecord, asset: Asset): Promise<AssetView> {
  const format = await checkStoredObject(upload, asset);
  switch (asset.kind) {
    case "VIDEO":
      await finishVideo(upload, asset);
      break;
    case "IMAGE":
      await finishCover(upload, asset);
      break;
    case "CAPTION":
      await finishCaption(upload, asset, format);
      break;
    case "ATTACHMENT":
      await finishAttachment(upload, asset);
      break;
  }
  return viewOf(asset.id);
}
