/** Storage errors callers can tell apart, and how AWS SDK errors are recognised. */

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

/** A copy's source is no longer the version the caller checked (`ifMatch`): it was replaced meanwhile. */
export class CopySourceChangedError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(`The copy source ${key} changed since it was checked`);
    this.name = "CopySourceChangedError";
    this.key = key;
  }
}

export function errorStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

export function errorName(err: unknown): string | undefined {
  return (err as { name?: string; Code?: string } | null)?.name;
}

export function isNoSuchUpload(err: unknown): boolean {
  return errorStatus(err) === 404 || errorName(err) === "NoSuchUpload";
}
