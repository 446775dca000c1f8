import "server-only";
import type { Viewer } from "@/lib/access";
import { ConflictError, ValidationError } from "@/lib/errors";
import type { Storage } from "@/lib/storage/s3";
import { errorName } from "@/lib/storage/errors";
import { storage } from "@/lib/storage/instance";
import { NoSuchUploadError } from "@/lib/storage/s3";
import { parseInput } from "@/lib/validation";
import { claim, planOf, release, uploadForManager, validation, type UploadRow } from "./common";
import { partLength } from "./rules";
import { completeUploadSchema } from "./schemas";
import { verifyAndFinish } from "./finish";
import { viewOf } from "./views";
import type { AssetView, CompleteUploadRequest, StoredPart } from "./wire";

/** Step 3 of an upload: assemble the parts (or check the PUT arrived), then verify and hand on. */

type Plan = NonNullable<ReturnType<typeof planOf>>;

function alreadyFinishing(): ConflictError {
  return new ConflictError("This upload is already being finished.");
}

/** What storage lists for the multipart upload; null when it was already assembled by an earlier attempt. */
async function storedParts(s: Storage, upload: UploadRow): Promise<StoredPart[] | null> {
  try {
    return await s.listParts(upload.key, upload.multipartId!);
  } catch (err) {
    if (!(err instanceof NoSuchUploadError)) throw err;
    // Already assembled by an earlier attempt that failed afterwards? Then verify that object.
    if (!(await s.headObject(upload.key))) throw new ConflictError("Storage no longer has this upload: start it again.");
    return null;
  }
}

/** Every part present with its planned size (409 otherwise: nothing is lost), and the ones the browser sent. */
function checkParts(plan: Plan, upload: UploadRow, byNumber: Map<number, StoredPart>, declared: CompleteUploadRequest["parts"]): void {
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
}

/** Claims the asset and assembles the multipart upload from storage's own list of parts. */
async function assemble(plan: Plan, upload: UploadRow, declared: CompleteUploadRequest["parts"]): Promise<void> {
  const s = storage();
  const stored = await storedParts(s, upload);
  if (!stored) {
    if (!(await claim(upload.assetId))) throw alreadyFinishing();
    return;
  }
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  checkParts(plan, upload, byNumber, declared);
  if (!(await claim(upload.assetId))) throw alreadyFinishing();
  try {
    await s.completeMultipartUpload(
      upload.key,
      upload.multipartId!,
      Array.from({ length: plan.partCount }, (_, i) => ({ partNumber: i + 1, etag: byNumber.get(i + 1)!.etag })),
    );
  } catch (err) {
    await release(upload.assetId);
    // A part replaced between the listing above and the completion (S3 refuses the list):
    // nothing is lost, the browser finishes again with what storage now holds.
    const name = errorName(err);
    if (name === "InvalidPart" || name === "InvalidPartOrder" || name === "EntityTooSmall") {
      throw new ConflictError("A part changed in storage while the upload was being finished: finish it again.");
    }
    throw err;
  }
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

  const plan = planOf(upload);
  if (plan) {
    await assemble(plan, upload, declared);
  } else {
    if (declared?.length) throw validation("This upload was a single PUT: send no parts.", "parts");
    if (!(await claim(asset.id))) throw alreadyFinishing();
  }

  try {
    return await verifyAndFinish(upload, asset);
  } catch (err) {
    // Unexpected errors (storage down...): back to UPLOADING so completing again can work.
    if (!(err instanceof ValidationError)) await release(asset.id);
    throw err;
  }
}
