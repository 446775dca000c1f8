import "server-only";
import type { Viewer } from "@/lib/access";
import { ConflictError } from "@/lib/errors";
import { storage } from "@/lib/storage/instance";
import { NoSuchUploadError } from "@/lib/storage/s3";
import { parseInput } from "@/lib/validation";
import { UPLOAD_URL_SECONDS, assertOpen, planOf, presignWholeFile, uploadForManager, validation } from "./common";
import { partLength } from "./rules";
import { presignPartsSchema } from "./schemas";
import type { PresignedParts, UploadState } from "./wire";

/** Step 2 of an upload: part URLs on demand, and what storage already holds (resume). */

/** Presigned URLs for some parts of a multipart upload (asked for on demand, a few at a time). */
export async function presignParts(viewer: Viewer | null, uploadId: string, input: unknown): Promise<PresignedParts> {
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
    const put = await presignWholeFile(upload);
    return { ...base, method: "PUT", partSize: null, partCount: null, parts: [], put };
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
