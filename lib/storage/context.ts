import http from "node:http";
import https from "node:https";

import { S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

import type { StorageConfig } from "./types";

/** What every group of storage operations (objects, presign, multipart, copy) works with. */
export interface StorageContext {
  bucket: string;
  region: string;
  /** A custom endpoint (s3rver, MinIO) rather than AWS S3. */
  custom: boolean;
  client: S3Client;
  /** The client presigned URLs are made with (no SDK checksum of an empty body on AWS). */
  presignClient: S3Client;
}

/** S3 limits for multipart uploads. */
export const MULTIPART_MAX_PARTS = 10_000;

/** 7 days: the SigV4 maximum for presigned URLs. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export function checkExpiresIn(expiresIn: number): void {
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_SECONDS) {
    throw new RangeError(`expiresIn must be an integer between 1 and ${MAX_PRESIGN_SECONDS} seconds`);
  }
}

export function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MULTIPART_MAX_PARTS) {
    throw new RangeError(`Invalid part number ${partNumber}: must be an integer from 1 to ${MULTIPART_MAX_PARTS}`);
  }
}

export function checkLength(what: string, length: number | undefined): void {
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0)) {
    throw new RangeError(`${what}: invalid contentLength ${length}`);
  }
}

/** The S3 clients for a configuration (ADR 021 for the checksum settings). */
export function createContext(config: StorageConfig): StorageContext {
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
  return { bucket, region, custom, client, presignClient };
}
