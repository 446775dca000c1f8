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
    on(event: "event", listener: (event: unknown) => void): this;
  }

  export = S3rver;
}
