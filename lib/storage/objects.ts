import { Readable } from "node:stream";

import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";

import type { StorageContext } from "./context";
import { errorName, errorStatus, ObjectNotFoundError, RangeNotSatisfiableError } from "./errors";
import { assertSafeKey, assertSafePrefix } from "./keys";
import type { ByteRange, ObjectSummary, ObjectMetadata, Storage } from "./types";

/** Objects: put, get (ranges), head, delete, list, and the bucket itself. */

type ObjectOperations = Pick<
  Storage,
  "putObject" | "getObject" | "headObject" | "deleteObject" | "deletePrefix" | "listObjects" | "iterateObjects" | "ensureBucket"
>;

function rangeHeader(range: ByteRange): string {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new TypeError(`Invalid range ${JSON.stringify(range)}`);
  }
  return `bytes=${start}-${end ?? ""}`;
}

export function objectOperations({ client, bucket, region, custom }: StorageContext): ObjectOperations {
  async function headObject(key: string, options: { signal?: AbortSignal } = {}): Promise<ObjectMetadata | null> {
    assertSafeKey(key);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal });
      return {
        contentLength: Number(out.ContentLength ?? 0),
        etag: out.ETag,
        lastModified: out.LastModified,
        contentType: out.ContentType,
        cacheControl: out.CacheControl,
        contentDisposition: out.ContentDisposition,
      };
    } catch (err) {
      if (errorStatus(err) === 404 || errorName(err) === "NotFound" || errorName(err) === "NoSuchKey") return null;
      throw err;
    }
  }

  async function* iterateObjects(prefix: string): AsyncGenerator<ObjectSummary> {
    assertSafePrefix(prefix);
    // ListObjects (v1) paged with Marker = last key: s3rver 3.7 builds ListObjectsV2
    // continuation tokens with a cipher OpenSSL 3 no longer provides, so any truncated V2
    // listing fails with 500 there (ADR 026). V1 + Marker means the same on AWS S3.
    let marker: string | undefined;
    for (;;) {
      const out = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: marker, MaxKeys: 1000 }));
      let last: string | undefined;
      for (const o of out.Contents ?? []) {
        if (!o.Key) continue;
        last = o.Key;
        yield { key: o.Key, size: Number(o.Size ?? 0), etag: o.ETag, lastModified: o.LastModified };
      }
      if (!out.IsTruncated || last === undefined) break;
      marker = last;
    }
  }

  return {
    async putObject(key, body, options) {
      assertSafeKey(key);
      let contentLength = options.contentLength;
      if (body instanceof Readable) {
        if (contentLength === undefined) {
          // No @aws-sdk/lib-storage in this project: an upload of unknown length would need
          // multipart or aws-chunked encoding. Callers stream files whose size they know.
          throw new TypeError("putObject: contentLength is required when the body is a stream");
        }
      } else if (body instanceof Uint8Array) {
        if (contentLength !== undefined && contentLength !== body.byteLength) {
          throw new RangeError(`putObject: contentLength ${contentLength} != body length ${body.byteLength}`);
        }
        contentLength = body.byteLength;
      } else {
        throw new TypeError("putObject: body must be a Buffer, Uint8Array or Readable");
      }
      if (!Number.isSafeInteger(contentLength) || contentLength < 0) {
        throw new RangeError(`putObject: invalid contentLength ${contentLength}`);
      }
      const out = await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: contentLength,
          ContentType: options.contentType,
          ContentDisposition: options.contentDisposition,
          CacheControl: options.cacheControl,
        }),
        { abortSignal: options.signal },
      );
      return { etag: out.ETag };
    },

    async getObject(key, options = {}) {
      assertSafeKey(key);
      const range = options.range === undefined ? undefined : rangeHeader(options.range);
      let out;
      try {
        out = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            Range: range,
            ResponseContentDisposition: options.responseContentDisposition,
            ResponseContentType: options.responseContentType,
          }),
          { abortSignal: options.signal },
        );
      } catch (err) {
        const status = errorStatus(err);
        if (status === 404 || errorName(err) === "NoSuchKey") throw new ObjectNotFoundError(key);
        if (status === 416 || errorName(err) === "InvalidRange") {
          const head = await headObject(key, { signal: options.signal });
          if (!head) throw new ObjectNotFoundError(key);
          throw new RangeNotSatisfiableError(key, head.contentLength);
        }
        throw err;
      }
      const body = out.Body;
      if (!(body instanceof Readable)) {
        throw new Error("getObject: expected a Node.js stream body");
      }
      const contentLength = Number(out.ContentLength ?? 0);
      const contentRange = out.ContentRange;
      let size = contentLength;
      let status: 200 | 206 = 200;
      if (contentRange) {
        status = 206;
        const m = /\/(\d+)$/.exec(contentRange);
        if (m) size = Number(m[1]);
      }
      return {
        status,
        body,
        contentLength,
        contentRange,
        size,
        etag: out.ETag,
        lastModified: out.LastModified,
        contentType: out.ContentType,
        cacheControl: out.CacheControl,
        contentDisposition: out.ContentDisposition,
      };
    },

    headObject,

    async deleteObject(key) {
      assertSafeKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },

    async deletePrefix(prefix) {
      assertSafePrefix(prefix);
      if (!prefix.endsWith("/")) {
        throw new TypeError(`deletePrefix: prefix must be a folder ending with "/" (got ${JSON.stringify(prefix)})`);
      }
      let deleted = 0;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const out = await client.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        if (out.Errors && out.Errors.length > 0) {
          const first = out.Errors[0];
          throw new Error(`deletePrefix: ${out.Errors.length} object(s) not deleted, e.g. ${first.Key}: ${first.Code} ${first.Message}`);
        }
        deleted += batch.length;
        batch = [];
      };
      // Collect first, then delete: deleting while paginating can skip keys.
      const keys: string[] = [];
      for await (const o of iterateObjects(prefix)) keys.push(o.key);
      for (const key of keys) {
        batch.push(key);
        if (batch.length === 1000) await flush();
      }
      await flush();
      return deleted;
    },

    async listObjects(prefix) {
      const out: ObjectSummary[] = [];
      for await (const o of iterateObjects(prefix)) out.push(o);
      return out;
    },

    iterateObjects,

    async ensureBucket() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return;
      } catch (err) {
        if (errorStatus(err) !== 404 && errorName(err) !== "NotFound" && errorName(err) !== "NoSuchBucket") throw err;
      }
      try {
        await client.send(
          new CreateBucketCommand({
            Bucket: bucket,
            ...(region !== "us-east-1" && !custom
              ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
              : {}),
          }),
        );
      } catch (err) {
        if (errorName(err) !== "BucketAlreadyOwnedByYou") throw err;
      }
    },
  };
}
