/**
 * What the benchmarks run against, started once per `npm run bench` and only when a module asks
 * for it: the production build (built when missing or older than the sources), an embedded
 * PostgreSQL with the demo data, the embedded storage, app instances (one per signing variant),
 * the local edge with and without verification, and nginx. Bench-only ports (39xx, 5590) and
 * bench-only data under var/bench-*, wiped at the start of each run.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { startEmbeddedDatabase } from "../../lib/db/embedded";
import { childEnv, onCleanup, portInUse, runStep, startService, waitForHttp, type Service } from "./processes";
import { ensureCourses, ensureLesson } from "./data";
import { startNginx } from "./nginx";

export const BENCH_PORTS = {
  database: 5590,
  storage: 3940,
  edge: 3920,
  edgeUnverified: 3921,
  nginx: 3930,
  apps: { ecdsa: 3910, noop: 3911, rsa: 3912 },
} as const;

/** Published courses in the catalogue benchmarks (issue 11: 1,000). */
export const CATALOGUE_COURSES = 1000;

/** ecdsa: the default key; noop: the same key, MEDIA_SIGNING=noop; rsa: an RSA-2048 key. */
export type AppVariant = keyof typeof BENCH_PORTS.apps;

/** Session secret of the bench apps (bench-only, ≥ 32 characters as production requires). */
export const BENCH_NEXTAUTH_SECRET = "bench-only-session-secret-not-for-any-real-site";
const BUCKET = "media";
const ROOT = process.cwd();
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);
/** Node with tsx, started directly so the pid is the process doing the work. */
const tsxNode = (script: string, reactServer = true) => [...(reactServer ? ["--conditions=react-server"] : []), "--import", "tsx", script];

export interface BenchKey {
  id: string;
  file: string;
}

export interface Running {
  url: string;
  pid: number;
  service: Service;
}

/** Sources a production build depends on: a newer file than .next/BUILD_ID makes the build stale. */
const BUILD_INPUTS = ["app", "components", "lib", "proxy.ts", "next.config.js", "package.json", "postcss.config.mjs", "tsconfig.json"];

function newestMtime(p: string): number {
  const stat = fs.statSync(p, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

/** Whether `.next` is missing or older than one of its sources (pure but for the file system). */
export function buildIsStale(root = ROOT): boolean {
  const id = fs.statSync(path.join(root, ".next", "BUILD_ID"), { throwIfNoEntry: false });
  if (!id) return true;
  return BUILD_INPUTS.some((p) => newestMtime(path.join(root, p)) > id.mtimeMs);
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= fn());
}

export class Stack {
  readonly dirs = {
    database: path.resolve("var/bench-pg"),
    storage: path.resolve("var/bench-storage"),
    keys: path.resolve("var/bench-keys"),
    nginx: path.resolve("var/bench-nginx"),
  };
  private readonly apps = new Map<AppVariant, Promise<Running>>();
  private readonly edges = new Map<boolean, Promise<Running>>();

  /** The bench keys (fresh each run): the app's default ECDSA P-256 key and an RSA-2048 one. */
  readonly keys = once(async (): Promise<{ ecdsa: BenchKey; rsa: BenchKey }> => {
    fs.rmSync(this.dirs.keys, { recursive: true, force: true });
    fs.mkdirSync(this.dirs.keys, { recursive: true });
    const write = (id: string, key: crypto.KeyObject): BenchKey => {
      const file = path.join(this.dirs.keys, `${id}.pem`);
      fs.writeFileSync(file, key.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
      return { id, file };
    };
    return {
      ecdsa: write("KBENCHEC", crypto.generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey),
      rsa: write("KBENCHRSA", crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey),
    };
  });

  /** Production build, made when missing or stale (in `npm test` the step before made it). */
  readonly build = once(async () => {
    if (!buildIsStale()) return;
    console.log("[bench] building the app (next build): .next is missing or older than its sources");
    runStep("build", bin("next"), ["build"], childEnv({ NODE_ENV: "production", APP_ENV: "local" }));
  });

  /** Embedded PostgreSQL (fresh, fsync off), migrated and seeded with the demo data (no media). */
  readonly database = once(async () => {
    await this.assertFree("database", BENCH_PORTS.database);
    fs.rmSync(this.dirs.database, { recursive: true, force: true });
    const server = await startEmbeddedDatabase({
      dataDir: this.dirs.database,
      port: BENCH_PORTS.database,
      database: "lumen",
      ephemeral: true,
      // Counts the statements a page render sends (bench/lesson.ts), transaction control included.
      settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track_utility": "on" },
    });
    onCleanup(() => server.stop());
    const env = childEnv({ DATABASE_URL: server.url, APP_ENV: "local", NODE_ENV: "production", SEED_MEDIA: "0" });
    runStep("migrate", bin("prisma"), ["migrate", "deploy"], env);
    runStep("seed", process.execPath, tsxNode("prisma/seed.ts"), env);
    const pool = new pg.Pool({ connectionString: server.url, max: 4 });
    // An idle connection cut when the database stops at the end is expected, not a crash.
    pool.on("error", (err) => console.error(`[bench] database pool: ${err.message}`));
    onCleanup(() => pool.end());
    await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    return { url: server.url, pool, admin: server.admin };
  });

  /** The embedded storage (s3rver) on a fresh folder. */
  readonly storage = once(async () => {
    await this.assertFree("storage", BENCH_PORTS.storage);
    fs.rmSync(this.dirs.storage, { recursive: true, force: true });
    const endpoint = `http://127.0.0.1:${BENCH_PORTS.storage}`;
    const service = startService(
      "storage",
      process.execPath,
      tsxNode("scripts/storage.ts"),
      childEnv({ APP_ENV: "local", NODE_ENV: "production", STORAGE_PORT: String(BENCH_PORTS.storage), STORAGE_DIR: this.dirs.storage, S3_BUCKET: BUCKET }),
    );
    await waitForHttp(endpoint, service);
    return { endpoint, bucket: BUCKET, settings: { bucket: BUCKET, region: "us-east-1", endpoint, accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } };
  });

  /** 1,000 published courses with covers on top of the demo data (the catalogue's scale). */
  readonly courses = once(async () => {
    const { pool } = await this.database();
    await ensureCourses(pool, CATALOGUE_COURSES);
    return CATALOGUE_COURSES;
  });

  /** The demo student's lesson with a ready video (lesson page, edge). */
  readonly lesson = once(async () => ensureLesson((await this.database()).pool));

  /** Where the verifying edge is reached; media URLs and cookie policies name it. */
  readonly mediaBaseUrl = `http://127.0.0.1:${BENCH_PORTS.edge}`;

  /** One app instance per variant (server/main.ts on the production build). */
  app(variant: AppVariant): Promise<Running> {
    let p = this.apps.get(variant);
    if (!p) {
      p = this.startApp(variant);
      this.apps.set(variant, p);
    }
    return p;
  }

  /** Stops an app instance (memory on a small machine); asking again starts a new one. */
  async stopApp(variant: AppVariant): Promise<void> {
    const p = this.apps.get(variant);
    this.apps.delete(variant);
    if (p) await (await p).service.stop();
  }

  private async startApp(variant: AppVariant): Promise<Running> {
    const port = BENCH_PORTS.apps[variant];
    await this.assertFree(`app (${variant})`, port);
    const [, db, storage, keys] = await Promise.all([this.build(), this.database(), this.storage(), this.keys()]);
    const key = variant === "rsa" ? keys.rsa : keys.ecdsa;
    const url = `http://127.0.0.1:${port}`;
    const service = startService(
      `app-${variant}`,
      process.execPath,
      tsxNode("server/main.ts", false),
      childEnv({
        NODE_ENV: "production",
        APP_ENV: "local",
        PORT: String(port),
        HOST: "127.0.0.1",
        NEXTAUTH_URL: url,
        NEXTAUTH_SECRET: BENCH_NEXTAUTH_SECRET,
        DATABASE_URL: db.url,
        S3_ENDPOINT: storage.endpoint,
        S3_BUCKET: BUCKET,
        MEDIA_BASE_URL: this.mediaBaseUrl,
        CLOUDFRONT_KEY_PAIR_ID: key.id,
        CLOUDFRONT_PRIVATE_KEY_PATH: key.file,
        MEDIA_SIGNING: variant === "noop" ? "noop" : "on",
        // One user signs in a few times per run; keep the limits out of the measurement.
        AUTH_CLIENT_MAX_ATTEMPTS: "1000",
      }),
    );
    await waitForHttp(`${url}/api/health`, service);
    return { url, pid: service.pid, service };
  }

  /** The local edge (edge/main.ts), verifying signatures or (EDGE_VERIFY=off) not. */
  edge(verify: boolean): Promise<Running> {
    let p = this.edges.get(verify);
    if (!p) {
      p = this.startEdge(verify);
      this.edges.set(verify, p);
    }
    return p;
  }

  private async startEdge(verify: boolean): Promise<Running> {
    const port = verify ? BENCH_PORTS.edge : BENCH_PORTS.edgeUnverified;
    await this.assertFree(`edge${verify ? "" : " (unverified)"}`, port);
    const [storage, keys] = await Promise.all([this.storage(), this.keys()]);
    const service = startService(
      verify ? "edge" : "edge-unverified",
      process.execPath,
      tsxNode("edge/main.ts"),
      childEnv({
        NODE_ENV: "production",
        APP_ENV: "local",
        EDGE_PORT: String(port),
        EDGE_HOST: "127.0.0.1",
        MEDIA_BASE_URL: this.mediaBaseUrl,
        EDGE_TRUSTED_KEYS: `${keys.ecdsa.id}=${keys.ecdsa.file},${keys.rsa.id}=${keys.rsa.file}`,
        EDGE_VERIFY: verify ? "on" : "off",
        S3_ENDPOINT: storage.endpoint,
        S3_BUCKET: BUCKET,
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitForHttp(`${url}/_edge/health`, service);
    return { url, pid: service.pid, service };
  }

  /** nginx serving `root` (the same bytes the edge serves from storage). */
  readonly nginx = once(async (): Promise<Running & { root: string }> => {
    await this.assertFree("nginx", BENCH_PORTS.nginx);
    const root = path.join(this.dirs.nginx, "www");
    fs.rmSync(this.dirs.nginx, { recursive: true, force: true });
    fs.mkdirSync(root, { recursive: true });
    const service = startNginx(this.dirs.nginx, root, BENCH_PORTS.nginx);
    const url = `http://127.0.0.1:${BENCH_PORTS.nginx}`;
    await waitForHttp(`${url}/`, service);
    return { url, pid: service.pid, service, root };
  });

  private async assertFree(name: string, port: number): Promise<void> {
    if (await portInUse(port)) throw new Error(`bench: port ${port} (${name}) is in use: is another benchmark running? Stop it first.`);
  }
}
