import type { Readable } from "node:stream";

/** The storage module's public shapes: its configuration, options, results and the Storage interface. */

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

/** Headers of an object the server writes (the uploader's are never carried over). */
export interface MultipartOptions {
  contentType: string;
  contentDisposition?: string;
  cacheControl?: string;
}

export interface CopyOptions extends MultipartOptions {
  /** Size of the source (from headObject): decides between one CopyObject and a copy in parts. */
  sourceSize: number;
  /** Copy only this version of the source (its ETag from headObject); a source replaced since fails with CopySourceChangedError. */
  ifMatch?: string;
  /** Sources of at least this many bytes are copied in parts (default 256 MiB; CopyObject itself stops at 5 GiB). */
  multipartThreshold?: number;
  /** Part size of a copy in parts (default 128 MiB, at least 5 MiB). */
  partSize?: number;
  signal?: AbortSignal;
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
  /**
   * Server-side copy of `sourceKey` to `destKey` with the metadata given here (never the
   * source's): one CopyObject, or UploadPartCopy parts for large sources. Throws
   * ObjectNotFoundError (no source) or CopySourceChangedError (`ifMatch` no longer matches).
   */
  copyObject(sourceKey: string, destKey: string, options: CopyOptions): Promise<{ etag?: string }>;
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
