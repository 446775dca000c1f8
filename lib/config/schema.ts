import { z } from "zod";
import { embeddedDatabaseUrl } from "../db/embedded-url";
import type { Config } from "./types";

export type { Config, SigningSettings, StorageSettings } from "./types";

/**
 * The one configuration schema of every process (app, edge, worker, storage server, seed,
 * scripts, prisma.config.ts). Pure: it reads the environment object it is given, never
 * process.env, and touches no file. Each variable has one meaning and one default here;
 * docs/configuration.md is the table of them. `lib/config/index.ts` loads `.env` files and
 * hands each process the slice it needs.
 *
 * Defaults depend on APP_ENV: "local" (the embedded default `npm start` runs: storage server,
 * local edge, development keys) or "aws" (S3, CloudFront, secrets mandatory).
 */

/** Development-only session secret: refused whenever NODE_ENV=production. */
export const DEV_NEXTAUTH_SECRET = "insecure-development-secret-change-me-0000";
/** Credentials the embedded storage server (s3rver) accepts. */
export const EMBEDDED_STORAGE_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export type Env = Readonly<Record<string, string | undefined>>;

/** Unset and blank are the same: "not configured". */
const optional = z
  .string()
  .optional()
  .transform((v) => (v !== undefined && v.trim() !== "" ? v.trim() : undefined));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const port = int(0, 65535);
const MiB = 1024 * 1024;
const url = z.url({ protocol: /^https?$/ }).transform((v) => v.replace(/\/+$/, ""));
const url_pg = z
  .string()
  .regex(/^postgres(ql)?:\/\//, "a postgresql:// URL (PostgreSQL is the only database)")
  .refine((v) => URL.canParse(v), "not a valid URL");
const list = z
  .string()
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
const blankAsUndefined = (env: Env): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === undefined || v.trim() === "" ? undefined : v]));

/** Every variable, with its format. Defaults that depend on other variables are applied in {@link parseConfig}. */
export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_ENV: z.enum(["local", "aws"]).default("local"),
  /** Set by Next.js while it builds: nothing is served, so no secret is required then. */
  NEXT_PHASE: optional,

  // app server
  PORT: port.default(3000),
  HOST: z.string().default("127.0.0.1"),
  /** Reverse proxies in front of the app whose X-Forwarded-For entry is trusted (0 = the socket address). */
  TRUST_PROXY_HOPS: int(0, 10).default(0),
  /** How long a stopping app instance lets requests in flight finish. */
  APP_SHUTDOWN_SECONDS: int(1, 600).default(20),
  NEXTAUTH_URL: url.optional(),
  NEXTAUTH_SECRET: optional,
  GITHUB_ID: optional,
  GITHUB_SECRET: optional,
  AUTH_MAX_FAILURES: int(1, 1000).default(5),
  AUTH_WINDOW_MINUTES: int(1, 24 * 60).default(15),
  /** Sign-in attempts one client address may make per AUTH_CLIENT_WINDOW_MINUTES, checked before any password hashing. */
  AUTH_CLIENT_MAX_ATTEMPTS: int(1, 100_000).default(30),
  AUTH_CLIENT_WINDOW_MINUTES: int(1, 24 * 60).default(10),
  /** Sign-ups one client address may make per SIGNUP_WINDOW_MINUTES. */
  SIGNUP_MAX_PER_CLIENT: int(1, 100_000).default(10),
  SIGNUP_WINDOW_MINUTES: int(1, 24 * 60).default(60),
  /** Failed access-code redemptions per user and per client address per REDEEM_WINDOW_MINUTES. */
  REDEEM_MAX_FAILURES_PER_USER: int(1, 100_000).default(10),
  REDEEM_MAX_FAILURES_PER_CLIENT: int(1, 100_000).default(30),
  REDEEM_WINDOW_MINUTES: int(1, 24 * 60).default(60),

  // database
  DATABASE_URL: url_pg.optional(),
  PGHOST: optional,
  PGPORT: port.optional(),
  PGDATABASE: optional,
  PGUSER: optional,
  PGPASSWORD: optional,
  PGSSLMODE: optional,
  EMBEDDED_DB_PORT: port.default(5433),
  EMBEDDED_DB_DIR: z.string().default("var/pg"),
  EMBEDDED_DB_NAME: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "lowercase letters, digits and _").default("lumen"),

  // storage (S3 API)
  S3_BUCKET: z.string().min(3).default("media"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  S3_ENDPOINT: url.optional(),
  S3_ACCESS_KEY_ID: optional,
  S3_SECRET_ACCESS_KEY: optional,
  STORAGE_PORT: port.default(4569),
  STORAGE_DIR: z.string().default("var/storage"),
  STORAGE_CORS_ORIGINS: list.optional(),

  // media delivery
  MEDIA_DELIVERY: z.enum(["cloudfront", "s3-presigned"]).default("cloudfront"),
  MEDIA_HLS_AUTH: z.enum(["cookies", "query"]).default("cookies"),
  MEDIA_BASE_URL: url.optional(),
  MEDIA_COOKIE_DOMAIN: optional,
  MEDIA_TTL_IMAGE_SECONDS: int(5, 7 * 86400).default(3600),
  /** Signed lifetimes: covers (catalogue images); attachments; streams (cookies, playlists, posters, captions). Downloads and streams bound how long a revoked viewer keeps media already issued (60 s). */
  MEDIA_TTL_DOWNLOAD_SECONDS: int(5, 86400).default(60),
  MEDIA_TTL_STREAM_SECONDS: int(5, 86400).default(60),

  // signing keys (the app signs; the edge trusts)
  CLOUDFRONT_KEY_PAIR_ID: optional,
  CLOUDFRONT_PRIVATE_KEY: optional,
  CLOUDFRONT_PRIVATE_KEY_PATH: optional,
  CLOUDFRONT_EXTRA_KEYS: optional,
  CLOUDFRONT_HASH_ALGORITHM: z
    .string()
    .default("SHA1")
    .transform((v) => v.trim().toUpperCase())
    .pipe(z.enum(["SHA1", "SHA256"])),
  /** Signatures kept in memory per app process (ADR 050); 0 = sign every URL. */
  SIGNATURE_CACHE_ENTRIES: int(0, 1_000_000).default(10_000),
  /** `noop` only for benchmarks, only with APP_ENV=local: media URLs get a placeholder signature. */
  MEDIA_SIGNING: z.enum(["on", "noop"]).default("on"),

  // local edge
  EDGE_PORT: port.default(4000),
  EDGE_HOST: z.string().default("127.0.0.1"),
  EDGE_CORS_ORIGINS: list.optional(),
  EDGE_PUBLIC_PREFIXES: list.default(["public/"]),
  EDGE_MISSING_OBJECT_STATUS: z.enum(["403", "404"]).default("403").transform(Number),
  EDGE_TRUSTED_KEYS: optional,
  EDGE_SHUTDOWN_SECONDS: int(0, 3600).default(20),
  EDGE_CACHE_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(256 * MiB),
  EDGE_CACHE_MAX_OBJECT_BYTES: int(1, Number.MAX_SAFE_INTEGER).default(16 * MiB),
  EDGE_CACHE_REVALIDATE_SECONDS: int(0, 86_400).default(60),
  EDGE_CACHE_DIR: optional,
  EDGE_CACHE_DISK_BYTES: int(1, Number.MAX_SAFE_INTEGER).default(1024 * MiB),
  /** `off` only for benchmarks, only with APP_ENV=local. */
  EDGE_VERIFY: z.enum(["on", "off"]).default("on"),

  // worker
  WORKER_POLL_MS: int(10, 3_600_000).default(1000),
  WORKER_LEASE_SECONDS: int(2, 86_400).default(30),
  WORKER_HEARTBEAT_MS: int(100, 3_600_000).optional(),
  WORKER_TMP_DIR: optional,
  WORKER_ID: optional,
  /** Health endpoint of a worker (GET /health); unset = none. `npm start` gives worker i the port + i - 1. */
  WORKER_HEALTH_PORT: port.optional(),
  /** First retry delay of a failed transcode (then doubled, with jitter). */
  WORKER_RETRY_DELAY_SECONDS: int(1, 3600).default(30),
  /** How long a stopping worker may finish or give back its job before it exits. */
  WORKER_SHUTDOWN_SECONDS: int(1, 3600).default(25),
  /** Where `npm start` also writes each process's output (<name>.log); empty = console only. */
  LOG_DIR: z.string().default("var/log"),
  /**
   * Wall-clock limit of all the ffmpeg runs of one transcode job; past it ffmpeg is killed and
   * the job fails for good. Unset: max(600, 6 × the video's duration) seconds (ADR 046).
   */
  WORKER_FFMPEG_TIMEOUT_SECONDS: int(1, 7 * 86_400).optional(),
  /** How many workers `npm start` runs. */
  WORKERS: int(0, 32).default(1),
  FFMPEG_PATH: optional,

  // access audit log (ADR 047)
  /** Days an access event is kept; the worker's scheduled purge deletes older ones. */
  AUDIT_RETENTION_DAYS: int(1, 3650).default(90),
  /** The instructor's report: accounts whose grants in the last WINDOW_HOURS came from ≥ MIN_IPS addresses or ≥ MIN_SESSIONS concurrent sessions. */
  AUDIT_REPORT_WINDOW_HOURS: int(1, 31 * 24).default(24),
  AUDIT_REPORT_MIN_IPS: int(2, 1000).default(3),
  AUDIT_REPORT_MIN_SESSIONS: int(2, 1000).default(2),

  // seed
  SEED_MEDIA: z.enum(["0", "1"]).default("1"),
});

export type EnvVars = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses and completes the configuration from an environment object. Format errors of any
 * variable are reported (one meaning everywhere); what is *required* depends on the process
 * and is checked by the slice functions in lib/config/index.ts ({@link requireFor}).
 */
export function parseConfig(env: Env): Config {
  const parsed = envSchema.safeParse(blankAsUndefined(env));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
  }
  const e = parsed.data;
  const local = e.APP_ENV === "local";
  const publicUrl = e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`;
  const appOrigin = new URL(publicUrl).origin;
  const endpoint = e.S3_ENDPOINT ?? (local ? `http://127.0.0.1:${e.STORAGE_PORT}` : undefined);
  const mediaBaseUrl = e.MEDIA_BASE_URL ?? (local ? `http://localhost:${e.EDGE_PORT}` : "");
  const heartbeatMs = e.WORKER_HEARTBEAT_MS ?? Math.max(200, Math.floor((e.WORKER_LEASE_SECONDS * 1000) / 3));
  const signingKeys = e.CLOUDFRONT_KEY_PAIR_ID
    ? [`${e.CLOUDFRONT_KEY_PAIR_ID}=${e.CLOUDFRONT_PRIVATE_KEY ?? e.CLOUDFRONT_PRIVATE_KEY_PATH ?? ""}`, e.CLOUDFRONT_EXTRA_KEYS]
        .filter(Boolean)
        .join(",")
    : undefined;

  return {
    appEnv: e.APP_ENV,
    nodeEnv: e.NODE_ENV,
    building: e.NEXT_PHASE === "phase-production-build",
    server: { port: e.PORT, host: e.HOST, publicUrl, trustProxyHops: e.TRUST_PROXY_HOPS, shutdownSeconds: e.APP_SHUTDOWN_SECONDS },
    database: databaseSettings(e),
    auth: {
      // Only outside production; requireFor("app") refuses production without a real secret.
      secret: e.NEXTAUTH_SECRET ?? (e.NODE_ENV === "production" ? "" : DEV_NEXTAUTH_SECRET),
      github: e.GITHUB_ID && e.GITHUB_SECRET ? { clientId: e.GITHUB_ID, clientSecret: e.GITHUB_SECRET } : null,
      maxFailures: e.AUTH_MAX_FAILURES,
      windowMinutes: e.AUTH_WINDOW_MINUTES,
      clientAttempts: { points: e.AUTH_CLIENT_MAX_ATTEMPTS, durationSeconds: e.AUTH_CLIENT_WINDOW_MINUTES * 60 },
      signUps: { points: e.SIGNUP_MAX_PER_CLIENT, durationSeconds: e.SIGNUP_WINDOW_MINUTES * 60 },
    },
    redeem: {
      perUser: { points: e.REDEEM_MAX_FAILURES_PER_USER, durationSeconds: e.REDEEM_WINDOW_MINUTES * 60 },
      perClient: { points: e.REDEEM_MAX_FAILURES_PER_CLIENT, durationSeconds: e.REDEEM_WINDOW_MINUTES * 60 },
    },
    storage: {
      bucket: e.S3_BUCKET,
      region: e.S3_REGION,
      endpoint,
      accessKeyId: e.S3_ACCESS_KEY_ID ?? (endpoint ? EMBEDDED_STORAGE_CREDENTIALS.accessKeyId : undefined),
      secretAccessKey: e.S3_SECRET_ACCESS_KEY ?? (endpoint ? EMBEDDED_STORAGE_CREDENTIALS.secretAccessKey : undefined),
    },
    storageServer: { port: e.STORAGE_PORT, directory: e.STORAGE_DIR, corsOrigins: e.STORAGE_CORS_ORIGINS ?? [appOrigin] },
    media: {
      delivery: e.MEDIA_DELIVERY,
      hlsAuth: e.MEDIA_HLS_AUTH,
      baseUrl: mediaBaseUrl,
      cookieDomain: e.MEDIA_COOKIE_DOMAIN,
      ttl: { image: e.MEDIA_TTL_IMAGE_SECONDS, download: e.MEDIA_TTL_DOWNLOAD_SECONDS, stream: e.MEDIA_TTL_STREAM_SECONDS },
    },
    signing: {
      CLOUDFRONT_KEY_PAIR_ID: e.CLOUDFRONT_KEY_PAIR_ID,
      CLOUDFRONT_PRIVATE_KEY: e.CLOUDFRONT_PRIVATE_KEY,
      CLOUDFRONT_PRIVATE_KEY_PATH: e.CLOUDFRONT_PRIVATE_KEY_PATH,
      CLOUDFRONT_EXTRA_KEYS: e.CLOUDFRONT_EXTRA_KEYS,
      hashAlgorithm: e.CLOUDFRONT_HASH_ALGORITHM,
      cacheEntries: e.SIGNATURE_CACHE_ENTRIES,
      noop: e.MEDIA_SIGNING === "noop",
    },
    edge: {
      port: e.EDGE_PORT,
      host: e.EDGE_HOST,
      publicUrl: mediaBaseUrl,
      corsOrigins: e.EDGE_CORS_ORIGINS ?? [appOrigin],
      publicPrefixes: e.EDGE_PUBLIC_PREFIXES,
      missingObjectStatus: e.EDGE_MISSING_OBJECT_STATUS as 403 | 404,
      // Like a CloudFront key group holding the app's public keys.
      trustedKeys: e.EDGE_TRUSTED_KEYS ?? (local ? signingKeys : undefined),
      shutdownSeconds: e.EDGE_SHUTDOWN_SECONDS,
      cache: {
        maxBytes: e.EDGE_CACHE_BYTES,
        maxObjectBytes: e.EDGE_CACHE_MAX_OBJECT_BYTES,
        revalidateSeconds: e.EDGE_CACHE_REVALIDATE_SECONDS,
        dir: e.EDGE_CACHE_DIR,
        diskBytes: e.EDGE_CACHE_DISK_BYTES,
      },
      verify: e.EDGE_VERIFY === "on",
    },
    worker: {
      pollMs: e.WORKER_POLL_MS,
      leaseSeconds: e.WORKER_LEASE_SECONDS,
      heartbeatMs,
      tmpDir: e.WORKER_TMP_DIR,
      id: e.WORKER_ID,
      ffmpegPath: e.FFMPEG_PATH,
      healthPort: e.WORKER_HEALTH_PORT,
      shutdownSeconds: e.WORKER_SHUTDOWN_SECONDS,
      retryDelaySeconds: e.WORKER_RETRY_DELAY_SECONDS,
      ffmpegTimeoutSeconds: e.WORKER_FFMPEG_TIMEOUT_SECONDS,
    },
    audit: {
      retentionDays: e.AUDIT_RETENTION_DAYS,
      report: { windowHours: e.AUDIT_REPORT_WINDOW_HOURS, minIps: e.AUDIT_REPORT_MIN_IPS, minSessions: e.AUDIT_REPORT_MIN_SESSIONS },
    },
    start: { workers: e.WORKERS, logDir: e.LOG_DIR.trim() || undefined },
    seed: { media: e.SEED_MEDIA === "1" },
  };
}

/**
 * DATABASE_URL wins; else the libpq-style PGHOST/PGPORT/PGDATABASE/PGUSER/PGPASSWORD (what
 * ECS injects from the RDS secret); else, locally, the embedded server.
 */
function databaseSettings(e: EnvVars): Config["database"] {
  if (e.DATABASE_URL) return { url: e.DATABASE_URL, embedded: null };
  if (e.PGHOST) {
    const auth = e.PGUSER ? `${encodeURIComponent(e.PGUSER)}${e.PGPASSWORD ? `:${encodeURIComponent(e.PGPASSWORD)}` : ""}@` : "";
    const ssl = e.PGSSLMODE ? `?sslmode=${encodeURIComponent(e.PGSSLMODE)}` : "";
    return { url: `postgresql://${auth}${e.PGHOST}:${e.PGPORT ?? 5432}/${encodeURIComponent(e.PGDATABASE ?? "postgres")}${ssl}`, embedded: null };
  }
  if (e.APP_ENV !== "local") return { url: "", embedded: null };
  const embedded = { port: e.EMBEDDED_DB_PORT, dataDir: e.EMBEDDED_DB_DIR, database: e.EMBEDDED_DB_NAME };
  return { url: embeddedDatabaseUrl(embedded.port, embedded.database), embedded };
}

export type ProcessName = "app" | "edge" | "worker" | "storage-server" | "seed";

/** What each process cannot run without; returns the problems (empty = fine). */
export function problemsFor(process: ProcessName, c: Config): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, message: string) => {
    if (!ok) problems.push(message);
  };
  if (process === "app" && !c.building) {
    const production = c.nodeEnv === "production";
    need(c.auth.secret || !production, "NEXTAUTH_SECRET: required when NODE_ENV=production");
    need(c.auth.secret !== DEV_NEXTAUTH_SECRET || !production, "NEXTAUTH_SECRET: the development secret cannot be used in production");
    need(c.auth.secret.length >= 32 || !production, "NEXTAUTH_SECRET: use at least 32 characters in production");
    need(c.media.baseUrl, "MEDIA_BASE_URL: required with APP_ENV=aws (the CloudFront domain)");
    need(
      c.appEnv === "local" || c.media.delivery !== "cloudfront" || c.signing.CLOUDFRONT_KEY_PAIR_ID,
      "CLOUDFRONT_KEY_PAIR_ID: required with APP_ENV=aws and MEDIA_DELIVERY=cloudfront",
    );
    need(!c.signing.noop || c.appEnv === "local", "MEDIA_SIGNING=noop: refused unless APP_ENV=local (media URLs would carry no valid signature; benchmarks only)");
  }
  if (process === "edge") {
    need(c.edge.publicUrl, "MEDIA_BASE_URL: required (the URL viewers use for the edge)");
    need(c.edge.trustedKeys, "EDGE_TRUSTED_KEYS: required (id=/path/to/public.pem,...) unless APP_ENV=local with CLOUDFRONT_KEY_PAIR_ID set");
    need(c.storage.endpoint || c.appEnv === "aws", "S3_ENDPOINT: required for the edge outside AWS");
    need(c.edge.verify || c.appEnv === "local", "EDGE_VERIFY=off: refused unless APP_ENV=local (it serves every object unsigned; benchmarks only)");
  }
  if ((process === "app" || process === "worker" || process === "seed") && !c.database.url) {
    problems.push("DATABASE_URL: required with APP_ENV=aws (or PGHOST, PGDATABASE, PGUSER, PGPASSWORD)");
  }
  if (process === "worker") {
    need(c.worker.heartbeatMs < c.worker.leaseSeconds * 1000, "WORKER_HEARTBEAT_MS: must be shorter than the lease (WORKER_LEASE_SECONDS)");
  }
  return problems;
}
