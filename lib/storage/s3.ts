import "server-only";

import http from "node:http";
import https from "node:https";
import { Readable } from "node:stream";

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

import { assertSafeKey, assertSafePrefix } from "./keys";

export { InvalidObjectKeyError } from "./keys";

export interface StorageConfig {
  bucket: string;
  region: string;
  /** Custom S3-compatible endpoint (s3rver, MinIO...). Unset = AWS S3. */
  endpoint?: string;
  /** Path-style addressing; always on when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Static credentials; unset = the SDK's default provider chain (AWS). */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Upper bound of concurrent sockets to the storage endpoint (default 256). */
  maxSockets?: number;
}

export type PutBody = Buffer | Uint8Array | Readable;

export interface PutOptions {
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
  /** Required when `body` is a stream (ADR 025); derived for buffers. */
  contentLength?: number;
  signal?: AbortSignal;
}

/**
 * Single byte range, inclusive like HTTP (`end` omitted = to the end). Suffix ranges
 * (`bytes=-n`) are not accepted: S3 emulators disagree on them; resolve them against the
 * size from `headObject` first (the edge does).
 */
export type ByteRange = { start: number; end?: number };

export interface GetOptions {
  range?: ByteRange;
  /** S3 response header overrides (honoured for authenticated requests, e.g. CloudFront OAC). */
  responseContentDisposition?: string;
  responseContentType?: string;
  signal?: AbortSignal;
}

export interface ObjectMetadata {
  /** Bytes of this response (the whole object for head/200, the slice for 206). */
  contentLength: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
}

export interface GetObjectResult extends ObjectMetadata {
  status: 200 | 206;
  /** Streaming body; consume it or `destroy()` it, otherwise the socket stays busy. */
  body: Readable;
  /** `bytes start-end/size` on 206. */
  contentRange?: string;
  /** Total object size (from Content-Range on 206). */
  size: number;
}

export interface ObjectSummary {
  key: string;
  size: number;
  etag?: string;
  lastModified?: Date;
}

export interface PresignedPut {
  url: string;
  method: "PUT";
  /** Headers the uploader must send unchanged (they are part of the signature). */
  headers: Record<string, string>;
}

/** A part stored for an S3 multipart upload (ListParts). */
export interface UploadedPart {
  partNumber: number;
  /** Without surrounding quotes. */
  etag: string;
  size: number;
}

export interface MultipartOptions {
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
}

/** The multipart upload does not exist (never created, completed or aborted). */
export class NoSuchUploadError extends Error {
  readonly key: string;
  readonly uploadId: string;
  constructor(key: string, uploadId: string) {
    super(`No such multipart upload ${uploadId} for ${key}`);
    this.name = "NoSuchUploadError";
    this.key = key;
    this.uploadId = uploadId;
  }
}

/** S3 limits for multipart uploads. */
export const MULTIPART_MAX_PARTS = 10_000;

export class ObjectNotFoundError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`Object not found: ${key}`);
    this.name = "ObjectNotFoundError";
    this.key = key;
  }
}

export class RangeNotSatisfiableError extends Error {
  readonly key: string;
  /** Object size, for `Content-Range: bytes *\/size`. */
  readonly size: number;
  constructor(key: string, size: number) {
    super(`Range not satisfiable for ${key} (size ${size})`);
    this.name = "RangeNotSatisfiableError";
    this.key = key;
    this.size = size;
  }
}

export interface Storage {
  readonly bucket: string;
  putObject(key: string, body: PutBody, options: PutOptions): Promise<{ etag?: string }>;
  getObject(key: string, options?: GetOptions): Promise<GetObjectResult>;
  /** `null` when the object does not exist. */
  headObject(key: string, options?: { signal?: AbortSignal }): Promise<ObjectMetadata | null>;
  deleteObject(key: string): Promise<void>;
  /** Deletes every object under a folder prefix (must end with `/`). Returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  listObjects(prefix: string): Promise<ObjectSummary[]>;
  iterateObjects(prefix: string): AsyncGenerator<ObjectSummary>;
  presignGet(
    key: string,
    options: { expiresIn: number; responseContentDisposition?: string; responseContentType?: string },
  ): Promise<string>;
  /**
   * Presigned single PUT. Content-Type (and Content-Disposition / Cache-Control when given)
   * are signed headers: the uploader must send them unchanged, so S3 stores exactly these.
   */
  presignPut(
    key: string,
    options: { expiresIn: number; contentType: string; contentLength?: number; contentDisposition?: string; cacheControl?: string },
  ): Promise<PresignedPut>;
  /** Starts an S3 multipart upload; the object's headers are fixed here, not by the part uploads. */
  createMultipartUpload(key: string, options: MultipartOptions): Promise<{ uploadId: string }>;
  /** Presigned PUT for one part (1..10,000); `contentLength` is signed when given. */
  presignUploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    options: { expiresIn: number; contentLength?: number },
  ): Promise<PresignedPut>;
  /** Parts stored so far, ascending. Throws NoSuchUploadError when the upload is gone. */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  completeMultipartUpload(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<{ etag?: string }>;
  /** Discards the upload and its parts; succeeds when it no longer exists. */
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** Creates the bucket when missing (local/dev; in AWS the bucket comes from infra). */
  ensureBucket(): Promise<void>;
  /** Releases sockets. */
  destroy(): void;
}

/** 7 days: the SigV4 maximum for presigned URLs. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

function errorStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string } | null)?.name;
}

function rangeHeader(range: ByteRange): string {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new TypeError(`Invalid range ${JSON.stringify(range)}`);
  }
  return `bytes=${start}-${end ?? ""}`;
}

function checkExpiresIn(expiresIn: number): void {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresIn must be an integer between 1 and ${MAX_PRESIGN_SECONDS} seconds`);
  }
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MULTIPART_MAX_PARTS) {
    throw new RangeError(`Invalid part number ${partNumber}: must be an integer from 1 to ${MULTIPART_MAX_PARTS}`);
  }
}

export function createStorage(config: StorageConfig): Storage {
  const { bucket, region, endpoint } = config;
  if (!bucket) throw new Error("createStorage: bucket is required");
  if (!region) throw new Error("createStorage: region is required");
  const custom = Boolean(endpoint);
  const maxSockets = config.maxSockets ?? 256;

  const base: S3ClientConfig = {
    region,
    // One keep-alive pool sized for an edge streaming many objects at once.
    requestHandler: {
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    },
    ...(config.accessKeyId && config.secretAccessKey
      ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } }
      : {}),
  };

  // ADR 021: with a custom endpoint (s3rver) the SDK's default flexible checksums send
  // `aws-chunked` bodies with trailing checksums, which s3rver stores verbatim.
  const client = new S3Client(
    custom
      ? {
          ...base,
          endpoint,
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : { ...base, forcePathStyle: config.forcePathStyle ?? false },
  );
  // Presigned PUTs must not carry an SDK-computed checksum of an empty body
  // (`x-amz-checksum-crc32=AAAAAA==`), which S3 then enforces against the real upload.
  const presignClient = custom
    ? client
    : new S3Client({ ...base, forcePathStyle: config.forcePathStyle ?? false, requestChecksumCalculation: "WHEN_REQUIRED" });

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
    bucket,

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
      if (options.contentLength !== undefined && (!Number.isSafeInteger(options.contentLength) || options.contentLength < 0)) {
        throw new RangeError(`presignPut: invalid contentLength ${options.contentLength}`);
      }
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

    async presignUploadPart(key, uploadId, partNumber, options) {
      assertSafeKey(key);
      checkExpiresIn(options.expiresIn);
      checkPartNumber(partNumber);
      if (!uploadId) throw new TypeError("presignUploadPart: uploadId is required");
      if (options.contentLength !== undefined && (!Number.isSafeInteger(options.contentLength) || options.contentLength < 0)) {
        throw new RangeError(`presignUploadPart: invalid contentLength ${options.contentLength}`);
      }
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
          if (errorStatus(err) === 404 || errorName(err) === "NoSuchUpload") throw new NoSuchUploadError(key, uploadId);
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
        if (errorStatus(err) === 404 || errorName(err) === "NoSuchUpload") throw new NoSuchUploadError(key, uploadId);
        throw err;
      }
    },

    async abortMultipartUpload(key, uploadId) {
      assertSafeKey(key);
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
      } catch (err) {
        if (errorStatus(err) === 404 || errorName(err) === "NoSuchUpload") return;
        throw err;
      }
    },

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

    destroy() {
      client.destroy();
      if (presignClient !== client) presignClient.destroy();
    },
  };
}
