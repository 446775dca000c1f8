import "server-only";

import crypto from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import S3Error from "s3rver/lib/models/error";
import FilesystemStore from "s3rver/lib/stores/filesystem";

import { dropParts, partsOf, readParts, storeAsParts } from "./embedded-parts";

/**
 * s3rver's filesystem store with S3's multipart semantics (ADR 053), for the embedded storage
 * only (production S3 joins parts server-side, without a visible rewrite):
 * - CompleteMultipartUpload keeps the object as its parts (./embedded-parts.ts, ADR 055),
 *   without rewriting or hashing 1 GiB again, and answers S3's multipart ETag (the MD5 of the parts' binary MD5s, then `-N`).
 *   s3rver 3.7 re-streams every byte through an MD5 instead and answers a plain MD5.
 * - It checks what S3 checks: every listed part exists with the ETag given (InvalidPart), in
 *   ascending order (InvalidPartOrder), all but the last at least 5 MiB (EntityTooSmall). A
 *   failed completion leaves the upload as it was, as S3 does; s3rver checked nothing.
 * - An UploadPart to an upload that was completed or aborted is NoSuchUpload (404), as on S3;
 *   s3rver recreated the upload's folder and stored the part. A part is written beside the
 *   others and committed (renamed into place, ETag written) under the upload's lock, and a
 *   completion takes that lock to move the upload's folder away first: a part still arriving
 *   then is refused, never joined half-written, and can never change the completed object.
 * s3rver is one process: the locks are an in-process map.
 */

const MiB = 1024 * 1024;
/** S3: every part but the last is at least 5 MiB. */
const MIN_PART_BYTES = 5 * MiB;

const locks = new Map<string, Promise<unknown>>();

/** Runs `fn` alone for `dir` (an upload's folder): commits of parts, completion, abort. */
export async function withUploadLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const before = locks.get(dir) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  locks.set(dir, tail);
  try {
    return await run;
  } finally {
    if (locks.get(dir) === tail) locks.delete(dir);
  }
}

function s3Error(code: string, message: string, status: number, detail: Record<string, string> = {}): Error {
  const err = new S3Error(code, message, detail);
  err.status = status;
  err.expose = true;
  return err;
}

export function noSuchUploadError(uploadId: string): Error {
  return s3Error("NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", 404, {
    UploadId: uploadId,
  });
}

const exists = (file: string) =>
  fs.stat(file).then(
    () => true,
    () => false,
  );

/** S3's ETag of a multipart object: MD5 of the concatenated binary MD5s of its parts, `-` and the part count. */
export function multipartEtag(partMd5s: readonly string[]): string {
  const hash = crypto.createHash("md5");
  for (const md5 of partMd5s) hash.update(Buffer.from(md5, "hex"));
  return `${hash.digest("hex")}-${partMd5s.length}`;
}

/**
 * Moves a part written to `tmp` into its place in the upload's folder `dir` with its ETag,
 * unless the upload was completed or aborted meanwhile (NoSuchUpload; `tmp` is removed).
 */
export async function commitPart(dir: string, uploadId: string, partNumber: number, tmp: string, md5: string): Promise<void> {
  await withUploadLock(dir, async () => {
    if (!(await exists(path.join(dir, "key")))) {
      await fs.rm(tmp, { force: true });
      throw noSuchUploadError(uploadId);
    }
    const part = path.join(dir, String(partNumber));
    // The old ETag goes first: a part is listed (ListParts) only once its ETag file exists.
    await fs.rm(`${part}.md5`, { force: true });
    await fs.rename(tmp, part);
    await fs.writeFile(`${part}.md5`, md5);
  });
}

/** A fresh name in the upload's folder for a part being written (never listed: not a number). */
export function partTempFile(dir: string, partNumber: number): string {
  return path.join(dir, `.incoming-${partNumber}-${crypto.randomBytes(6).toString("hex")}`);
}

interface CompletedPart {
  number: number;
  etag: string;
}

export class MultipartFilesystemStore extends FilesystemStore {
  /** An object kept as parts (a completed multipart upload) is read from them. */
  async getObject(bucket: string, key: string, options?: { start?: number; end?: number }) {
    const object = await super.getObject(bucket, key, options);
    if (!object?.content) return object;
    const kept = await partsOf(this.getResourcePath(bucket, key, "object"));
    if (!kept) return object;
    object.content.destroy();
    object.content = await readParts(kept, object.range ?? { start: 0, end: object.size - 1 });
    return object;
  }

  async putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }> {
    const kept = await partsOf(this.getResourcePath(object.bucket, object.key, "object")).catch(() => null);
    const stored = await super.putObject(object);
    await dropParts(kept);
    return stored;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    const kept = await partsOf(this.getResourcePath(bucket, key, "object")).catch(() => null);
    await super.deleteObject(bucket, key);
    await dropParts(kept);
  }

  /** s3rver copies the object's file: one kept as parts is copied from them (into a plain file). */
  async copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: Record<string, string>) {
    const src = this.getResourcePath(srcBucket, srcKey, "object");
    const dest = this.getResourcePath(destBucket, destKey, "object");
    if (src === dest) return super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
    const keptDest = await partsOf(dest).catch(() => null);
    const keptSrc = await partsOf(src);
    if (!keptSrc) {
      const copied = await super.copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata);
      await dropParts(keptDest);
      return copied;
    }
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.copying-${crypto.randomBytes(6).toString("hex")}`;
    try {
      await pipeline(await readParts(keptSrc), createWriteStream(tmp));
      await fs.rename(tmp, dest);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    await dropParts(keptDest);
    if (replacementMetadata) await this.putMetadata(destBucket, destKey, replacementMetadata);
    else {
      await fs.copyFile(this.getResourcePath(srcBucket, srcKey, "metadata.json"), this.getResourcePath(destBucket, destKey, "metadata.json"));
      await fs.copyFile(`${src}.md5`, `${dest}.md5`);
    }
    return this.getMetadata(destBucket, destKey);
  }

  uploadDir(bucket: string, uploadId: string): string {
    return path.join(this.getResourcePath(bucket, undefined, "uploads"), uploadId);
  }

  async putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }> {
    const n = Number(partNumber);
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      content.resume();
      throw s3Error("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive", 400);
    }
    const dir = this.uploadDir(bucket, uploadId);
    if (!(await exists(path.join(dir, "key")))) {
      content.resume();
      throw noSuchUploadError(uploadId);
    }
    const tmp = partTempFile(dir, n);
    const hash = crypto.createHash("md5");
    let size = 0;
    try {
      await pipeline(
        content,
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            size += chunk.length;
            done(null, chunk);
          },
        }),
        createWriteStream(tmp),
      );
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
    const md5 = hash.digest("hex");
    await commitPart(dir, uploadId, n, tmp, md5);
    return { size, md5 };
  }

  async putObjectMultipart(bucket: string, uploadId: string, parts: CompletedPart[]): Promise<{ size: number; md5: string }> {
    const dir = this.uploadDir(bucket, uploadId);
    const work = `${dir}.completing`;
    // From here no part can be committed to this upload, nor can it be completed twice.
    await withUploadLock(dir, async () => {
      if (!(await exists(path.join(dir, "key")))) throw noSuchUploadError(uploadId);
      await fs.rename(dir, work);
    });
    let key: string;
    let joined: { size: number; md5: string };
    try {
      key = await fs.readFile(path.join(work, "key"), "utf8");
      const metadata = JSON.parse(await fs.readFile(path.join(work, "metadata"), "utf8")) as Record<string, string>;
      const files = await this.checkParts(work, parts);
      const objectPath = this.getResourcePath(bucket, key, "object");
      await fs.mkdir(path.dirname(objectPath), { recursive: true });
      // Kept as its parts (./embedded-parts.ts): a rename and a manifest, no second write of the bytes.
      const size = await storeAsParts(objectPath, files);
      joined = { size, md5: multipartEtag(files.map((f) => f.md5)) };
      await this.putMetadata(bucket, key, metadata, joined.md5);
    } catch (err) {
      // S3 leaves an upload whose completion failed as it was: it can be completed again.
      await withUploadLock(dir, () => fs.rename(work, dir)).catch(() => undefined);
      throw err;
    }
    await fs.rm(work, { recursive: true, force: true });
    return joined;
  }

  /** The part files in order with their ETags and sizes, after S3's checks. */
  private async checkParts(work: string, parts: readonly CompletedPart[]): Promise<Array<{ file: string; size: number; md5: string }>> {
    const files: Array<{ file: string; size: number; md5: string }> = [];
    for (const [i, p] of parts.entries()) {
      if (i > 0 && p.number <= parts[i - 1]!.number) throw s3Error("InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.", 400);
      const file = path.join(work, String(p.number));
      const [md5, stat] = await Promise.all([fs.readFile(`${file}.md5`, "utf8").catch(() => null), fs.stat(file).catch(() => null)]);
      if (md5 === null || stat === null || md5.trim() !== p.etag.replace(/"/g, "")) {
        throw s3Error("InvalidPart", "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", 400, {
          PartNumber: String(p.number),
          ETag: p.etag,
        });
      }
      files.push({ file, size: stat.size, md5: md5.trim() });
    }
    for (const f of files.slice(0, -1)) {
      if (f.size < MIN_PART_BYTES) throw s3Error("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.", 400);
    }
    return files;
  }
}
