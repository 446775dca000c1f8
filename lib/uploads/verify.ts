import "server-only";
import type { Readable } from "node:stream";
import { db } from "@/lib/db";
import { ConflictError } from "@/lib/errors";
import type { Asset } from "@/lib/generated/prisma/client";
import { contentDisposition } from "@/lib/storage/content-types";
import { storage } from "@/lib/storage/instance";
import { videoOriginalKey } from "@/lib/storage/keys";
import { CopySourceChangedError, ObjectNotFoundError, type ObjectMetadata } from "@/lib/storage/s3";
import { release, validation, type UploadRecord } from "./common";
import { KIND_RULES, baseType, checkFile, formatBytes } from "./rules";
import { SNIFF_BYTES, checkContents, type SniffedFormat } from "./sniff";

/**
 * Step 4 of an upload: the verified bytes are never an object a presigned URL can still
 * rewrite (ADR 046). A single-PUT upload's object can be, until its URL expires: a video or an
 * attachment is copied by the server to its final key with headers the server sets, and THE
 * COPY is checked (size, headers, magic bytes); a cover or a caption file (a few MB) is read
 * once and checked and processed from that one buffer. A multipart video was assembled by the
 * server at its final key (originals/, headers fixed at creation), which no part URL can change
 * once the upload is completed: that object is checked where it is, without a copy (ADR 053).
 * A file that is not what it claims is deleted (upload and copy) and its asset marked FAILED
 * with a reason the instructor can read (422).
 */

/** Cache-Control of objects that never change under their key (ids only, written once). */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/** What was verified: the format, and where the verified bytes are (a copy at `key`, or `bytes` in memory). */
export type Verified = { format: SniffedFormat } & ({ key: string; bytes?: never } | { bytes: Buffer; key?: never });

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

/** The upload's result is unusable: nothing stays in storage (upload object, copy), the asset says why (422). */
export async function fail(upload: UploadRecord, message: string, copyKey?: string): Promise<never> {
  for (const key of [upload.key, ...(copyKey ? [copyKey] : [])]) {
    await storage()
      .deleteObject(key)
      .catch((err: unknown) => console.error("upload verification: could not delete", key, err));
  }
  await db.asset.update({ where: { id: upload.assetId }, data: { status: "FAILED", error: message } });
  throw validation(message, "file");
}

/** Nothing to verify yet: back to UPLOADING, 409. */
async function notReceived(assetId: string): Promise<never> {
  await release(assetId);
  throw new ConflictError("Storage has not received the file yet: upload it, then finish again.");
}

/** Size and Content-Type of what storage holds are what was announced and signed. */
async function checkHeaders(upload: UploadRecord, meta: ObjectMetadata, copyKey?: string): Promise<void> {
  if (meta.contentLength !== upload.bytes) {
    return fail(
      upload,
      `The stored file is ${formatBytes(meta.contentLength)} (${meta.contentLength.toLocaleString("en-US")} bytes) but ${upload.bytes.toLocaleString("en-US")} bytes were announced: upload the file again.`,
      copyKey,
    );
  }
  if (baseType(meta.contentType ?? "") !== baseType(upload.contentType)) {
    return fail(upload, `The file was stored as ${meta.contentType ?? "an unknown type"} instead of ${upload.contentType}: upload it again.`, copyKey);
  }
}

/** The magic bytes of `head` (the first bytes of the verified file) match the asset's kind. */
async function checkMagic(upload: UploadRecord, asset: Asset, head: Buffer, copyKey?: string): Promise<SniffedFormat> {
  const check = checkFile(asset.kind, { fileName: upload.fileName, contentType: "", bytes: upload.bytes });
  const contents = checkContents(asset.kind, head, {
    attachmentContents: check.ok ? check.contents : undefined,
    truncated: upload.bytes > head.length,
  });
  if (!contents.ok) return fail(upload, contents.message, copyKey);
  return contents.format;
}

/** Where the server's copy of a video or an attachment goes, with the headers it alone decides. */
function finalCopy(upload: UploadRecord, asset: Asset): { key: string; contentType: string; contentDisposition?: string; cacheControl?: string } {
  if (asset.kind === "VIDEO") return { key: videoOriginalKey(asset.courseId, asset.id), contentType: upload.contentType };
  return { key: asset.storageKey, contentType: upload.contentType, contentDisposition: contentDisposition(upload.fileName), cacheControl: IMMUTABLE };
}

/**
 * A multipart upload the server completed at the final key itself (a video's original): no
 * presigned URL can write that object any more (part URLs die with the upload id at
 * completion; the app never presigns a PUT outside sources/), so it needs no copy (ADR 053).
 */
export function assembledInPlace(upload: UploadRecord, asset: Asset): boolean {
  return upload.multipartId !== null && upload.key === finalCopy(upload, asset).key;
}

/** The size, headers (`object`: its metadata, already read) and magic bytes of the verified object at `key`. */
async function checkObject(upload: UploadRecord, asset: Asset, key: string, object: ObjectMetadata, copyKey?: string): Promise<Verified> {
  const s = storage();
  await checkHeaders(upload, object, copyKey);
  if (asset.kind === "ATTACHMENT" && !(object.contentDisposition ?? "").startsWith("attachment")) {
    return fail(upload, "The file was stored without its download name: upload it again.", copyKey);
  }
  const sniffLength = Math.min(SNIFF_BYTES, upload.bytes);
  const got = await s.getObject(key, { range: { start: 0, end: sniffLength - 1 } });
  const format = await checkMagic(upload, asset, await readAll(got.body, SNIFF_BYTES), copyKey);
  return { format, key };
}

/**
 * VIDEO, ATTACHMENT: copied (that version of the upload only) to the final key, then the copy
 * is checked; a multipart video assembled at its final key is checked there.
 */
async function copyAndCheck(upload: UploadRecord, asset: Asset): Promise<Verified> {
  const s = storage();
  const head = await s.headObject(upload.key);
  if (!head) return notReceived(asset.id);
  // Assembled in place: that object is the verified one, checked once.
  if (assembledInPlace(upload, asset)) return checkObject(upload, asset, upload.key, head);
  await checkHeaders(upload, head);
  const target = finalCopy(upload, asset);
  try {
    await s.copyObject(upload.key, target.key, { ...target, sourceSize: head.contentLength, ifMatch: head.etag });
  } catch (err) {
    if (!(err instanceof CopySourceChangedError || err instanceof ObjectNotFoundError)) throw err;
    await release(asset.id);
    throw new ConflictError("The file changed in storage while it was being checked: finish the upload again.");
  }
  const copy = await s.headObject(target.key);
  if (!copy) throw new Error(`upload verification: the copy ${target.key} is missing`);
  return checkObject(upload, asset, target.key, copy, target.key);
}

/** IMAGE, CAPTION (a few MB at most): read once; that buffer is checked, then processed. */
async function readAndCheck(upload: UploadRecord, asset: Asset): Promise<Verified> {
  const got = await storage()
    .getObject(upload.key)
    .catch((err: unknown) => (err instanceof ObjectNotFoundError ? notReceived(asset.id) : Promise.reject(err)));
  try {
    await checkHeaders(upload, got);
  } catch (err) {
    got.body.destroy();
    throw err;
  }
  const bytes = await readAll(got.body, KIND_RULES[asset.kind].maxBytes);
  await checkHeaders(upload, { ...got, contentLength: bytes.length });
  const format = await checkMagic(upload, asset, bytes.subarray(0, SNIFF_BYTES));
  return { format, bytes };
}

/** Verifies a claimed (PROCESSING) upload; returns where its verified bytes are. */
export function verifyUpload(upload: UploadRecord, asset: Asset): Promise<Verified> {
  return asset.kind === "IMAGE" || asset.kind === "CAPTION" ? readAndCheck(upload, asset) : copyAndCheck(upload, asset);
}
