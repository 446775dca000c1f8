import "server-only";
import PgBoss from "pg-boss";
import { loadConfig } from "@/lib/config";
import type { Prisma } from "@/lib/generated/prisma/client";
import { QUEUES, TRANSCODE_RETRY } from "./queues";

/**
 * pg-boss on the portal's own PostgreSQL database (schema `pgboss`, created and migrated by
 * pg-boss at start). The app only enqueues; workers also fetch, run maintenance (expiring
 * attempts whose heartbeat stopped: the visibility timeout) and the cron schedules. ADR 034.
 */
export interface BossOptions {
  url: string;
  role: "app" | "worker";
  /** Visibility timeout of a transcode attempt without heartbeat (WORKER_LEASE_SECONDS). */
  leaseSeconds: number;
  /** How often a worker's pg-boss looks for expired attempts (default a third of the lease, ≥ 1 s). */
  maintenanceSeconds?: number;
  /** First retry delay of a failed transcode (WORKER_RETRY_DELAY_SECONDS; doubled each time, with jitter). */
  retryDelaySeconds?: number;
  log?: (line: string) => void;
}

export async function startBoss(o: BossOptions): Promise<PgBoss> {
  const worker = o.role === "worker";
  const boss = new PgBoss({
    connectionString: o.url,
    schema: "pgboss",
    application_name: `lumen-${o.role}`,
    max: worker ? 4 : 2,
    supervise: worker,
    schedule: worker,
    maintenanceIntervalSeconds: o.maintenanceSeconds ?? Math.max(1, Math.floor(o.leaseSeconds / 3)),
    // Dead jobs stay visible (archive) for a week.
    archiveFailedAfterSeconds: 7 * 86_400,
    deleteAfterDays: 7,
  });
  boss.on("error", (err) => (o.log ?? console.error)(`job queue: ${err instanceof Error ? err.message : String(err)}`));
  await boss.start();
  // Idempotent (ON CONFLICT DO NOTHING); a dead letter queue must exist before the queue naming it.
  await boss.createQueue(QUEUES.transcodeDead, { name: QUEUES.transcodeDead });
  const transcode = {
    name: QUEUES.transcode,
    // At most one queued and one running attempt per asset (singletonKey = asset id).
    policy: "stately" as const,
    ...TRANSCODE_RETRY,
    retryDelay: o.retryDelaySeconds ?? TRANSCODE_RETRY.retryDelay,
    expireInSeconds: o.leaseSeconds,
    deadLetter: QUEUES.transcodeDead,
  };
  await boss.createQueue(QUEUES.transcode, transcode);
  // The configuration of the process starting last applies (the policy itself cannot change).
  await boss.updateQueue(QUEUES.transcode, { ...transcode, policy: undefined });
  for (const name of [QUEUES.purgeUploads, QUEUES.purgeAccessEvents]) {
    await boss.createQueue(name, { name, policy: "singleton", retryLimit: 0, expireInSeconds: 600 });
  }
  return boss;
}

export type BossExecutor = { db: { executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }> } };

/** Runs pg-boss statements inside a Prisma interactive transaction (enqueue atomically with a row change). */
export function inTransaction(tx: Prisma.TransactionClient): BossExecutor {
  return { db: { executeSql: async (text, values) => ({ rows: await tx.$queryRawUnsafe<unknown[]>(text, ...values) }) } };
}

const g = globalThis as unknown as { __boss?: Promise<PgBoss> };

/** The app process's queue client (it only enqueues), started once. */
export function appBoss(): Promise<PgBoss> {
  if (!g.__boss) {
    const config = loadConfig();
    g.__boss = startBoss({ url: config.database.url, role: "app", leaseSeconds: config.worker.leaseSeconds, retryDelaySeconds: config.worker.retryDelaySeconds }).catch((err: unknown) => {
      g.__boss = undefined;
      throw err;
    });
  }
  return g.__boss;
}

/** Stops the app's queue client (shutdown, tests). */
export async function stopAppBoss(): Promise<void> {
  const boss = g.__boss;
  g.__boss = undefined;
  const started = await boss?.catch(() => undefined);
  await started?.stop({ graceful: false, wait: true });
}
