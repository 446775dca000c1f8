/**
 * Transcoding worker process (`npm start` runs it next to the app and the edge):
 *
 *   tsx --conditions=react-server worker/main.ts [--once]
 *
 * Claims transcode jobs from the database with a lease (ADR 030), turns the uploaded
 * original into the HLS ladder + poster + thumbnails under the lesson's video folder and
 * swaps the lesson to it (worker/transcode.ts). Logs one line per job.
 *
 * Env (read once at start-up; .env and .env.local are loaded, the environment wins):
 *   DATABASE_URL (file:./var/dev.db),
 *   S3_ENDPOINT (unset = AWS S3), S3_BUCKET (media), S3_REGION (us-east-1),
 *   S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (S3RVER / S3RVER when an endpoint is set),
 *   WORKER_POLL_MS (1000), WORKER_LEASE_SECONDS (30), WORKER_HEARTBEAT_MS (lease / 3),
 *   WORKER_TMP_DIR (the OS temp dir), WORKER_ID (hostname:pid:random), FFMPEG_PATH (optional).
 * Flags: --once  process one job, then exit.
 *
 * SIGTERM / SIGINT: stop claiming; a job being transcoded is aborted and given back to the
 * queue (its attempt not counted), one already uploading/committing finishes. A second
 * signal exits at once (the lease then expires and another worker takes the job over).
 */
import { createStorage } from "../lib/storage/s3";
import { loadLocalEnv } from "../scripts/local-env";
import { newWorkerId, runWorker } from "./loop";

export { runWorker, processJob, newWorkerId, type RunWorkerOptions, type JobOutcome } from "./loop";

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

async function main(): Promise<void> {
  loadLocalEnv();
  const env = process.env;
  const once = process.argv.includes("--once");
  const leaseSeconds = positive("WORKER_LEASE_SECONDS", 30);
  const heartbeatMs = positive("WORKER_HEARTBEAT_MS", Math.max(200, Math.floor((leaseSeconds * 1000) / 3)));
  if (heartbeatMs >= leaseSeconds * 1000) throw new Error("WORKER_HEARTBEAT_MS must be shorter than the lease (WORKER_LEASE_SECONDS)");
  const pollMs = positive("WORKER_POLL_MS", 1000);
  const workerId = env.WORKER_ID || newWorkerId();

  // lib/db reads lib/env at import: load .env files first.
  const { createPrismaClient } = await import("../lib/db");
  const db = createPrismaClient(env.DATABASE_URL || "file:./var/dev.db");
  const endpoint = env.S3_ENDPOINT || undefined;
  const storage = createStorage({
    bucket: env.S3_BUCKET || "media",
    region: env.S3_REGION || "us-east-1",
    endpoint,
    accessKeyId: env.S3_ACCESS_KEY_ID || (endpoint ? "S3RVER" : undefined),
    secretAccessKey: env.S3_SECRET_ACCESS_KEY || (endpoint ? "S3RVER" : undefined),
  });

  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      console.log(`worker: ${signal} again, exiting now`);
      process.exit(1);
    }
    console.log(`worker: ${signal}, stopping (the current job finishes or goes back to the queue)`);
    stop.abort();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  console.log(
    `worker: ${workerId} polling every ${pollMs} ms, lease ${leaseSeconds}s (heartbeat ${heartbeatMs} ms), storage ${endpoint ?? "AWS S3"}${once ? ", --once" : ""}`,
  );
  try {
    const { processed } = await runWorker({
      db,
      storage,
      workerId,
      signal: stop.signal,
      leaseSeconds,
      heartbeatMs,
      pollMs,
      maxJobs: once ? 1 : undefined,
      tmpDir: env.WORKER_TMP_DIR || undefined,
    });
    console.log(`worker: stopped after ${processed} job(s)`);
  } finally {
    storage.destroy();
    await db.$disconnect();
  }
}

// Run only as the entry point (tests import runWorker from here or ./loop).
if (/(^|[\\/])worker[\\/]main\.ts$/.test(process.argv[1] ?? "")) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error("worker: fatal:", err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(1);
    },
  );
}
