import "server-only";

import { createContext } from "./context";
import { copyOperations } from "./copy";
import { multipartOperations } from "./multipart";
import { objectOperations } from "./objects";
import { presignOperations } from "./presign";
import type { Storage, StorageConfig } from "./types";

/**
 * The storage client (AWS SDK v3) every process uses: S3 on AWS, s3rver locally (ADR 005).
 * One module per responsibility: context.ts (clients, limits), objects.ts, presign.ts,
 * multipart.ts, copy.ts; types.ts holds the Storage interface, errors.ts what callers catch.
 */

export { InvalidObjectKeyError } from "./keys";
export { MULTIPART_MAX_PARTS } from "./context";
export { CopySourceChangedError, NoSuchUploadError, ObjectNotFoundError, RangeNotSatisfiableError } from "./errors";
export type * from "./types";

export function createStorage(config: StorageConfig): Storage {
  const ctx = createContext(config);
  const multipart = multipartOperations(ctx);
  return {
    bucket: ctx.bucket,
    ...objectOperations(ctx),
    ...presignOperations(ctx),
    ...multipart,
    ...copyOperations(ctx, multipart),
    destroy() {
      ctx.client.destroy();
      if (ctx.presignClient !== ctx.client) ctx.presignClient.destroy();
    },
  };
}
