/**
 * Transcoding worker process (`npm start` runs WORKERS of them next to the app and the edge):
 *
 *   tsx --conditions=react-server worker/main.ts [--once]
 *
 * Fetches transcode jobs from the pg-boss queue (ADR 034), turns the uploaded original into
 * the HLS ladder + poster + thumbnails under the lesson's video folder and swaps the lesson
 * to it (worker/transcode.ts); between jobs, settles dead jobs and purges abandoned uploads
 * and access log events past AUDIT_RETENTION_DAYS (worker/housekeeping.ts). Logs one line per job.
 *
 * Configuration: the `worker` slice of lib/config (WORKER_POLL_MS, WORKER_LEASE_SECONDS,
 * WORKER_HEARTBEAT_MS, WORKER_TMP_DIR, WORKER_ID, WORKER_HEALTH_PORT, WORKER_SHUTDOWN_SECONDS,
 * WORKER_FFMPEG_TIMEOUT_SECONDS, FFMPEG_PATH), the database and the shared storage settings (S3_*); docs/configuration.md.
 * Flags: --once  process one job, then exit.
 *
 * Health: GET /health on WORKER_HEALTH_PORT (127.0.0.1) — 200 when the database answers, 503
 * (with which part failed, or "draining") otherwise.
 *
 * SIGTERM / SIGINT: nothing new is fetched; a job being transcoded is aborted and given back
 * to the queue (its attempt not counted), one already uploading/committing finishes, within
 * WORKER_SHUTDOWN_SECONDS. A second signal exits at once (the job's visibility timeout then
 * expires and another worker takes it over).
 */
import { workerConfig } from "../lib/config";
import { startBoss } from "../lib/jobs/boss";
import { createStorage } from "../lib/storage/s3";
import { scheduleHousekeeping } from "./housekeeping";
import { startHealthServer } from "./health";
import { newWorkerId, runWorker } from "./loop";
import { stopWithSupervisor } from "../lib/ops/supervisor";

export { runWorker, processJob, newWorkerId, type RunWorkerOptions, type JobOutcome } from "./loop";

async function main(): Promise<void> {
  const { worker, database, storage: storageSettings, audit } = workerConfig();
  const once = process.argv.includes("--once");
  const { leaseSeconds, heartbeatMs, pollMs } = worker;
  const workerId = worker.id ?? newWorkerId();
  const log = (line: string) => console.log(`worker: ${line}`);
  const { createPrismaClient } = await import("../lib/db");
  const db = createPrismaClient(database.url, { poolSize: 4 });
  const storage = createStorage(storageSettings);
  const boss = await startBoss({ url: database.url, role: "worker", leaseSeconds, retryDelaySeconds: worker.retryDelaySeconds, log });
  await scheduleHousekeeping(boss, { auditRetentionDays: audit.retentionDays });

  const stop = new AbortController();
  let busy = false;
  let processed = 0;
  const health = worker.healthPort
    ? await startHealthServer({ port: worker.healthPort, db, state: () => ({ workerId, busy, processed, draining: stop.signal.aborted }) })
    : null;

  const onSignal = (signal: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      log(`${signal} again, exiting now`);
      process.exit(1);
    }
    log(`${signal}, stopping (the current job finishes or goes back to the queue, within ${worker.shutdownSeconds}s)`);
    stop.abort();
    // Past the deadline, exit: the job's visibility timeout hands it to another worker.
    setTimeout(() => {
      log(`still busy after ${worker.shutdownSeconds}s, exiting`);
      process.exit(1);
    }, worker.shutdownSeconds * 1000).unref();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  stopWithSupervisor();

  log(
    `${workerId} polling every ${pollMs} ms, visibility timeout ${leaseSeconds}s (heartbeat ${heartbeatMs} ms), storage ${storageSettings.endpoint ?? "AWS S3"}${health ? `, health on 127.0.0.1:${worker.healthPort}` : ""}${once ? ", --once" : ""}`,
  );
  try {
    const result = await runWorker({
      db,
      storage,
      boss,
      workerId,
      signal: stop.signal,
      leaseSeconds,
      heartbeatMs,
      pollMs,
      maxJobs: once ? 1 : undefined,
      tmpDir: worker.tmpDir,
      ffmpegTimeoutSeconds: worker.ffmpegTimeoutSeconds,
      log,
      onBusy: (b) => (busy = b),
      onDone: () => processed++,
    });
    log(`stopped after ${result.processed} job(s)`);
  } finally {
    await health?.close();
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
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
