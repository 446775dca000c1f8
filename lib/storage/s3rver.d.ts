// Minimal types for the parts of s3rver 3.x used by ./embedded.ts (the package ships none).
declare module "s3rver" {
  import type { AddressInfo } from "node:net";
  import type { Server } from "node:http";

  interface S3rverBucketConfig {
    name: string;
    /** CORSConfiguration / WebsiteConfiguration XML documents. */
    configs?: Array<string | Buffer>;
  }

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    serviceEndpoint?: string;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: S3rverBucketConfig[];
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    httpServer?: Server;
    /** Koa middleware stack (s3rver extends Koa); composed when the server starts. */
    middleware: Array<(ctx: never, next: () => Promise<unknown>) => unknown>;
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
    /** The object store (replaced by ./embedded-store.ts before the server runs). */
    store: unknown;
    context: { store: unknown };
    on(event: "event", listener: (event: unknown) => void): this;
  }

  export = S3rver;
}

declare module "s3rver/lib/stores/filesystem" {
  import type { Readable } from "node:stream";

  /** s3rver 3.x's filesystem store (the methods ./embedded-store.ts uses or overrides). */
  class FilesystemStore {
    constructor(rootDirectory: string);
    rootDirectory: string;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
    putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }>;
    putObjectMultipart(bucket: string, uploadId: string, parts: Array<{ number: number; etag: string }>): Promise<{ size: number; md5: string }>;
    /** An S3Object (lib/models/object.js), null when there is no such key. */
    getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<{ content: Readable | null; range?: { start: number; end: number }; size: number } | null>;
    putObject(object: { bucket: string; key: string }): Promise<{ size: number; md5: string }>;
    deleteObject(bucket: string, key: string): Promise<void>;
    copyObject(srcBucket: string, srcKey: string, destBucket: string, destKey: string, replacementMetadata?: Record<string, string>): Promise<unknown>;
    getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  }
  export = FilesystemStore;
}

declare module "s3rver/lib/models/error" {
  /** s3rver's S3 error: rendered as S3's XML error with `status`. */
  class S3Error extends Error {
    constructor(code: string, message: string, detail?: Record<string, string>);
    code: string;
    status: number;
    expose: boolean;
  }
  export = S3Error;
}
