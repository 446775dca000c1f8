/**
 * Transcoding worker process (`npm start` runs it next to the app and the edge):
 *
 *   tsx --conditions=react-server worker/main.ts [--once]
 *
 * Claims transcode jobs from the database with a lease (ADR 030), turns the uploaded
 * original into the HLS ladder + poster + thumbnails under the lesson's video folder and
 * swaps the lesson to it (worker/transcode.ts). Logs one line per job.
 *
 * Configuration: the `worker` slice of lib/config (WORKER_POLL_MS, WORKER_LEASE_SECONDS,
 * WORKER_HEARTBEAT_MS, WORKER_TMP_DIR, WORKER_ID, FFMPEG_PATH), DATABASE_URL and the shared
 * storage settings (S3_*); see docs/configuration.md.
 * Flags: --once  process one job, then exit.
 *
 * SIGTERM / SIGINT: stop claiming; a job being transcoded is aborted and given back to the
 * queue (its attempt not counted), one already uploading/committing finishes. A second
 * signal exits at once (the lease then expires and another worker takes the job over).
 */
import { workerConfig } from "../lib/config";
import { createStorage } from "../lib/storage/s3";
import { newWorkerId, runWorker } from "./loop";

export { runWorker, processJob, newWorkerId, type RunWorkerOptions, type JobOutcome } from "./loop";

async function main(): Promise<void> {
  const { worker, database, storage: storageSettings } = workerConfig();
  const once = process.argv.includes("--once");
  const { leaseSeconds, heartbeatMs, pollMs } = worker;
  const workerId = worker.id ?? newWorkerId();
  const { createPrismaClient } = await import("../lib/db");
  const db = createPrismaClient(database.url);
  const endpoint = storageSettings.endpoint;
  const storage = createStorage(storageSettings);

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
      tmpDir: worker.tmpDir,
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
