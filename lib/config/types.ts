/**
 * The shape of the parsed configuration (lib/config/schema.ts parseConfig builds it from the
 * environment). Types only: importable anywhere, including client-side type checks.
 */

export interface StorageSettings {
  bucket: string;
  region: string;
  /** Custom S3 endpoint (the embedded storage server); undefined = AWS S3. */
  endpoint: string | undefined;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

/** The signing-key variables, in the form lib/cloudfront/keyring.ts parses. */
export type SigningSettings = {
  CLOUDFRONT_KEY_PAIR_ID: string | undefined;
  CLOUDFRONT_PRIVATE_KEY: string | undefined;
  CLOUDFRONT_PRIVATE_KEY_PATH: string | undefined;
  CLOUDFRONT_EXTRA_KEYS: string | undefined;
  hashAlgorithm: "SHA1" | "SHA256";
  /** Bound of the app's signature cache (SIGNATURE_CACHE_ENTRIES; 0 = off). */
  cacheEntries: number;
  /** MEDIA_SIGNING=noop (benchmarks, local only): a placeholder instead of every signature. */
  noop: boolean;
};

export interface Config {
  appEnv: "local" | "aws";
  nodeEnv: "development" | "test" | "production";
  /** `next build` is running (NEXT_PHASE=phase-production-build). */
  building: boolean;
  server: { port: number; host: string; publicUrl: string; trustProxyHops: number; shutdownSeconds: number };
  database: {
    url: string;
    /** The embedded server `npm start` runs when no database is configured (else null: nothing is embedded). */
    embedded: { port: number; dataDir: string; database: string } | null;
  };
  auth: {
    secret: string;
    github: { clientId: string; clientSecret: string } | null;
    maxFailures: number;
    windowMinutes: number;
    /** Sign-in attempts per client address and window (any email, any outcome). */
    clientAttempts: { points: number; durationSeconds: number };
    /** Sign-ups per client address and window. */
    signUps: { points: number; durationSeconds: number };
  };
  /** Failed access-code redemptions allowed per user and per client address and window. */
  redeem: { perUser: { points: number; durationSeconds: number }; perClient: { points: number; durationSeconds: number } };
  storage: StorageSettings;
  storageServer: { port: number; directory: string; corsOrigins: string[] };
  media: {
    delivery: "cloudfront" | "s3-presigned";
    hlsAuth: "cookies" | "query";
    /** Public base URL of the CDN (CloudFront) or the local edge. */
    baseUrl: string;
    cookieDomain: string | undefined;
    ttl: { image: number; download: number; stream: number };
  };
  signing: SigningSettings;
  edge: {
    port: number;
    host: string;
    /** The URL viewers use (= media.baseUrl): policies are matched against it. */
    publicUrl: string;
    corsOrigins: string[];
    publicPrefixes: string[];
    missingObjectStatus: 403 | 404;
    /** `id=path-or-PEM,...`; in local mode the app's own keys when unset. */
    trustedKeys: string | undefined;
    /** SIGTERM: how long transfers in flight may take before connections are cut. */
    shutdownSeconds: number;
    /** Object cache of immutable objects (ADR 037); `maxBytes` 0 = off. */
    cache: { maxBytes: number; maxObjectBytes: number; revalidateSeconds: number; dir: string | undefined; diskBytes: number };
    /** false = EDGE_VERIFY=off (benchmarks, local only). */
    verify: boolean;
  };
  worker: {
    pollMs: number;
    leaseSeconds: number;
    heartbeatMs: number;
    tmpDir: string | undefined;
    id: string | undefined;
    ffmpegPath: string | undefined;
    healthPort: number | undefined;
    shutdownSeconds: number;
    retryDelaySeconds: number;
    /** Unset: the automatic limit (worker/plan.ts ffmpegTimeLimitSeconds). */
    ffmpegTimeoutSeconds: number | undefined;
  };
  audit: {
    retentionDays: number;
    /** Thresholds of the suspicious-accounts report (lib/audit/report.ts). */
    report: { windowHours: number; minIps: number; minSessions: number };
  };
  start: { workers: number; logDir: string | undefined };
  seed: { media: boolean };
}
