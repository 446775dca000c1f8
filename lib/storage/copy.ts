import { CopyObjectCommand, UploadPartCopyCommand } from "@aws-sdk/client-s3";

import { encodeUrlPath } from "@/lib/cloudfront/encode";

import { MULTIPART_MAX_PARTS, type StorageContext } from "./context";
import { CopySourceChangedError, errorName, errorStatus, ObjectNotFoundError } from "./errors";
import { assertSafeKey } from "./keys";
import type { CopyOptions, Storage } from "./types";

/**
 * Server-side copies with metadata set by the caller (MetadataDirective REPLACE: nothing of
 * the source's headers survives). CopyObject copies at most 5 GiB in one request and a large
 * copy in one request may outlast a load balancer's idle timeout, so sources from
 * `multipartThreshold` on are copied in parts (UploadPartCopy, several at a time), each part
 * pinned to the checked version of the source with `ifMatch`.
 */

const MiB = 1024 * 1024;
/** S3: CopyObject copies objects of up to 5 GiB. */
export const COPY_OBJECT_MAX_BYTES = 5 * 1024 * MiB;
export const DEFAULT_MULTIPART_COPY_THRESHOLD = 256 * MiB;
export const DEFAULT_COPY_PART_SIZE = 128 * MiB;
const MIN_PART_SIZE = 5 * MiB;
const PART_COPIES_AT_ONCE = 8;

type CopyOperations = Pick<Storage, "copyObject">;

/** What a multipart copy needs from the other operations (headers fixed at creation, completion, abort). */
type MultipartSteps = Pick<Storage, "createMultipartUpload" | "completeMultipartUpload" | "abortMultipartUpload">;

function copyError(err: unknown, sourceKey: string): unknown {
  const status = errorStatus(err);
  const name = errorName(err);
  if (status === 412 || name === "PreconditionFailed") return new CopySourceChangedError(sourceKey);
  if (name === "NoSuchKey" || (status === 404 && name !== "NoSuchUpload")) return new ObjectNotFoundError(sourceKey);
  return err;
}

export function copyOperations({ client, bucket }: StorageContext, multipart: MultipartSteps): CopyOperations {
  const copySource = (key: string) => `${bucket}/${encodeUrlPath(key)}`;

  async function copyInParts(sourceKey: string, destKey: string, o: CopyOptions): Promise<{ etag?: string }> {
    const partSize = o.partSize ?? DEFAULT_COPY_PART_SIZE;
    if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE) throw new RangeError(`copyObject: part size ${partSize} is below 5 MiB`);
    const count = Math.ceil(o.sourceSize / partSize);
    if (count > MULTIPART_MAX_PARTS) throw new RangeError(`copyObject: ${o.sourceSize} bytes need more than ${MULTIPART_MAX_PARTS} parts of ${partSize}`);
    const { uploadId } = await multipart.createMultipartUpload(destKey, o);
    const etags: string[] = [];
    let next = 0;
    let failed = false;
    const copyParts = async () => {
      while (next < count && !failed) {
        const n = ++next;
        const start = (n - 1) * partSize;
        const end = Math.min(o.sourceSize, start + partSize) - 1;
        const out = await client
          .send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: destKey,
              UploadId: uploadId,
              PartNumber: n,
              CopySource: copySource(sourceKey),
              CopySourceRange: `bytes=${start}-${end}`,
              CopySourceIfMatch: o.ifMatch,
            }),
            { abortSignal: o.signal },
          )
          .catch((err: unknown) => {
            failed = true;
            throw err;
          });
        if (!out.CopyPartResult?.ETag) throw new Error(`copyObject: no ETag for part ${n}`);
        etags[n - 1] = out.CopyPartResult.ETag;
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(PART_COPIES_AT_ONCE, count) }, copyParts));
      return await multipart.completeMultipartUpload(destKey, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
    } catch (err) {
      await multipart.abortMultipartUpload(destKey, uploadId).catch(() => undefined);
      throw copyError(err, sourceKey);
    }
  }

  return {
    async copyObject(sourceKey, destKey, o) {
      assertSafeKey(sourceKey);
      assertSafeKey(destKey);
      if (sourceKey === destKey) throw new TypeError("copyObject: source and destination are the same key");
      if (!o.contentType) throw new TypeError("copyObject: contentType is required");
      if (!Number.isSafeInteger(o.sourceSize) || o.sourceSize < 0) throw new RangeError(`copyObject: invalid sourceSize ${o.sourceSize}`);
      const threshold = Math.min(o.multipartThreshold ?? DEFAULT_MULTIPART_COPY_THRESHOLD, COPY_OBJECT_MAX_BYTES + 1);
      if (o.sourceSize > 0 && o.sourceSize >= threshold) return copyInParts(sourceKey, destKey, o);
      try {
        const out = await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: destKey,
            CopySource: copySource(sourceKey),
            CopySourceIfMatch: o.ifMatch,
            MetadataDirective: "REPLACE",
            ContentType: o.contentType,
            ContentDisposition: o.contentDisposition,
            CacheControl: o.cacheControl,
          }),
          { abortSignal: o.signal },
        );
        return { etag: out.CopyObjectResult?.ETag };
      } catch (err) {
        throw copyError(err, sourceKey);
      }
    },
  };
}
