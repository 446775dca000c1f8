import { GetObjectCommand, PutObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { checkExpiresIn, checkLength, checkPartNumber, type StorageContext } from "./context";
import { assertSafeKey } from "./keys";
import type { Storage } from "./types";

/** Presigned URLs: GETs (the s3-presigned delivery mode), single PUTs and multipart parts (uploads). */

type PresignOperations = Pick<Storage, "presignGet" | "presignPut" | "presignUploadPart">;

export function presignOperations({ presignClient, bucket }: StorageContext): PresignOperations {
  return {
    async presignGet(key, options) {
      assertSafeKey(key);
      checkExpiresIn(options.expiresIn);
      return getSignedUrl(
        presignClient,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: options.responseContentDisposition,
          ResponseContentType: options.responseContentType,
        }),
        { expiresIn: options.expiresIn },
      );
    },

    async presignPut(key, options) {
      assertSafeKey(key);
      checkExpiresIn(options.expiresIn);
      if (!options.contentType) throw new TypeError("presignPut: contentType is required");
      checkLength("presignPut", options.contentLength);
      const extra: string[] = [];
      if (options.contentDisposition) extra.push("content-disposition");
      if (options.cacheControl) extra.push("cache-control");
      const url = await getSignedUrl(
        presignClient,
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          ContentType: options.contentType,
          ContentLength: options.contentLength,
          ContentDisposition: options.contentDisposition,
          CacheControl: options.cacheControl,
        }),
        {
          expiresIn: options.expiresIn,
          // Keep these signed headers (not hoisted to the query) so S3 enforces them.
          unhoistableHeaders: new Set(["content-type", ...extra]),
          signableHeaders: new Set(["content-type", ...extra, ...(options.contentLength !== undefined ? ["content-length"] : [])]),
        },
      );
      // Browsers set Content-Length themselves from the body; it is signed when given.
      const headers: Record<string, string> = { "Content-Type": options.contentType };
      if (options.contentDisposition) headers["Content-Disposition"] = options.contentDisposition;
      if (options.cacheControl) headers["Cache-Control"] = options.cacheControl;
      return { url, method: "PUT", headers };
    },

    async presignUploadPart(key, uploadId, partNumber, options) {
      assertSafeKey(key);
      checkExpiresIn(options.expiresIn);
      checkPartNumber(partNumber);
      if (!uploadId) throw new TypeError("presignUploadPart: uploadId is required");
      checkLength("presignUploadPart", options.contentLength);
      const url = await getSignedUrl(
        presignClient,
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          ContentLength: options.contentLength,
        }),
        {
          expiresIn: options.expiresIn,
          ...(options.contentLength !== undefined ? { signableHeaders: new Set(["content-length"]) } : {}),
        },
      );
      return { url, method: "PUT", headers: {} };
    },
  };
}
