import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
} from "@aws-sdk/client-s3";

import { checkPartNumber, type StorageContext } from "./context";
import { isNoSuchUpload, NoSuchUploadError } from "./errors";
import { assertSafeKey } from "./keys";
import type { Storage, UploadedPart } from "./types";

/** S3 multipart uploads, server side: create (headers fixed here), list parts, complete, abort. */

type MultipartOperations = Pick<Storage, "createMultipartUpload" | "listParts" | "completeMultipartUpload" | "abortMultipartUpload">;

export function multipartOperations({ client, bucket }: StorageContext): MultipartOperations {
  return {
    async createMultipartUpload(key, options) {
      assertSafeKey(key);
      if (!options.contentType) throw new TypeError("createMultipartUpload: contentType is required");
      const out = await client.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ContentType: options.contentType,
          ContentDisposition: options.contentDisposition,
          CacheControl: options.cacheControl,
        }),
      );
      if (!out.UploadId) throw new Error("createMultipartUpload: no UploadId in the response");
      return { uploadId: out.UploadId };
    },

    async listParts(key, uploadId) {
      assertSafeKey(key);
      const parts: UploadedPart[] = [];
      let marker: string | undefined;
      for (;;) {
        let out;
        try {
          out = await client.send(
            new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker, MaxParts: 1000 }),
          );
        } catch (err) {
          if (isNoSuchUpload(err)) throw new NoSuchUploadError(key, uploadId);
          throw err;
        }
        for (const p of out.Parts ?? []) {
          if (p.PartNumber === undefined || !p.ETag) continue;
          parts.push({ partNumber: p.PartNumber, etag: p.ETag.replace(/"/g, ""), size: Number(p.Size ?? 0) });
        }
        if (!out.IsTruncated || out.NextPartNumberMarker === undefined || String(out.NextPartNumberMarker) === marker) break;
        marker = String(out.NextPartNumberMarker);
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },

    async completeMultipartUpload(key, uploadId, parts) {
      assertSafeKey(key);
      if (parts.length === 0) throw new RangeError("completeMultipartUpload: no parts");
      for (const p of parts) checkPartNumber(p.partNumber);
      const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
      try {
        const out = await client.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag.replace(/"/g, "")}"` })) },
          }),
        );
        return { etag: out.ETag };
      } catch (err) {
        if (isNoSuchUpload(err)) throw new NoSuchUploadError(key, uploadId);
        throw err;
      }
    },

    async abortMultipartUpload(key, uploadId) {
      assertSafeKey(key);
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (err) {
        if (isNoSuchUpload(err)) return;
        throw err;
      }
    },
  };
}
