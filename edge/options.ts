/**
 * Options of the local edge and their validation: everything (keys, origins, prefixes) is
 * checked once when the server is created, never per request.
 */
import type http from "node:http";
import type { KeyObject } from "node:crypto";

import { SignatureCache } from "../lib/cloudfront/verify";
import { assertSafePrefix } from "../lib/storage/keys";
import type { Storage } from "../lib/storage/s3";
import type { ObjectCache } from "./object-cache";

export interface EdgeCacheControl {
  /** Cache-Control for verified responses when the object has none. Default `private, max-age=3600`. */
  signed?: string;
  /** Cache-Control for public-prefix responses when the object has none. Default `public, max-age=86400`. */
  public?: string;
}

/** What the edge reads from storage. */
export type EdgeStorage = Pick<Storage, "getObject" | "headObject">;

export interface EdgeServerOptions {
  /** Key id -> public key: the distribution's trusted key group(s). */
  trustedKeys: ReadonlyMap<string, KeyObject>;
  /** Only `getObject` and `headObject` are used. */
  storage: EdgeStorage;
  /** scheme://host[:port] that signed URLs are issued for, e.g. `http://localhost:4000`. */
  publicBaseUrl: string;
  /** App origins allowed to read responses with credentials (cookies). */
  corsOrigins: string[];
  /** Key prefixes served without verification (e.g. `public/`), each ending with `/`. */
  publicPrefixes: string[];
  /** Current time in integer epoch SECONDS (default: the clock). */
  now?: () => number;
  cacheControl?: EdgeCacheControl;
  /**
   * Status for a verified request whose object does not exist. Default 403 AccessDenied, as
   * CloudFront + S3 OAC without s3:ListBucket answers (ADR 020); 404 NoSuchKey on request.
   */
  missingObjectStatus?: 403 | 404;
  /** Verification cache shared across requests (default: a new one). */
  cache?: SignatureCache;
  /** Storage failures and other unexpected errors (default: console.error). */
  onError?: (err: unknown, req: http.IncomingMessage) => void;
  /** Cache of immutable objects (ADR 037); default none: every request reaches storage. */
  objectCache?: ObjectCache;
  /**
   * `false` serves every path without verification: for benchmarks only (EDGE_VERIFY=off,
   * refused outside APP_ENV=local). Default true.
   */
  verify?: boolean;
  /** How long `/_edge/health` waits for storage. Default 2,000 ms. */
  healthTimeoutMs?: number;
}

/** Storage requests made by the edge for viewers (the health probe is not counted). */
export interface StorageCounters {
  gets: number;
  heads: number;
}

export interface Prepared {
  trustedKeys: ReadonlyMap<string, KeyObject>;
  storage: EdgeStorage;
  baseUrl: string;
  corsOrigins: ReadonlySet<string>;
  publicPrefixes: readonly string[];
  now: () => number;
  signedCache: string;
  publicCache: string;
  missingObjectStatus: 403 | 404;
  cache: SignatureCache;
  onError: (err: unknown, req: http.IncomingMessage) => void;
  objectCache: ObjectCache | undefined;
  verify: boolean;
  healthTimeoutMs: number;
  /** The storage as given (health probe); `storage` is the same, counted. */
  origin: EdgeStorage;
  storageCounters: StorageCounters;
}

function counted(storage: EdgeStorage, counters: StorageCounters): EdgeStorage {
  return {
    getObject: (key, options) => {
      counters.gets++;
      return storage.getObject(key, options);
    },
    headObject: (key, options) => {
      counters.heads++;
      return storage.headObject(key, options);
    },
  };
}

export function prepare(options: EdgeServerOptions): Prepared {
  let base: URL;
  try {
    base = new URL(options.publicBaseUrl);
  } catch {
    throw new Error(`edge: publicBaseUrl is not a URL: ${JSON.stringify(options.publicBaseUrl)}`);
  }
  if ((base.protocol !== "http:" && base.protocol !== "https:") || base.pathname !== "/" || base.search || base.hash || base.username) {
    throw new Error(`edge: publicBaseUrl must be scheme://host[:port] only, got ${JSON.stringify(options.publicBaseUrl)}`);
  }
  for (const origin of options.corsOrigins) {
    let ok = false;
    try {
      ok = new URL(origin).origin === origin;
    } catch {
      ok = false;
    }
    if (!ok) throw new Error(`edge: CORS origin must be a serialized origin (scheme://host[:port]), got ${JSON.stringify(origin)}`);
  }
  for (const prefix of options.publicPrefixes) {
    assertSafePrefix(prefix);
    if (!prefix.endsWith("/")) throw new Error(`edge: public prefix must end with "/", got ${JSON.stringify(prefix)}`);
  }
  const storageCounters: StorageCounters = { gets: 0, heads: 0 };
  return {
    trustedKeys: options.trustedKeys,
    storage: counted(options.storage, storageCounters),
    origin: options.storage,
    storageCounters,
    baseUrl: base.origin,
    corsOrigins: new Set(options.corsOrigins),
    publicPrefixes: [...options.publicPrefixes],
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
    signedCache: options.cacheControl?.signed ?? "private, max-age=3600",
    publicCache: options.cacheControl?.public ?? "public, max-age=86400",
    missingObjectStatus: options.missingObjectStatus ?? 403,
    cache: options.cache ?? new SignatureCache(),
    onError: options.onError ?? ((err) => console.error("edge:", err)),
    objectCache: options.objectCache,
    verify: options.verify ?? true,
    healthTimeoutMs: options.healthTimeoutMs ?? 2_000,
  };
}
