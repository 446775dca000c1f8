import "server-only";

import type { PrismaClient } from "../lib/generated/prisma/client";
import { AttemptLostError, heartbeat, type Attempt } from "../lib/jobs/attempt";

/** The job is no longer ours (visibility timeout expired and fetched again, job gone): stop, write nothing. */
export { AttemptLostError as LeaseLostError };

export interface JobLeaseOptions {
  db: PrismaClient;
  attempt: Attempt;
  /** The asset whose `progress` column shows this job's progress. */
  assetId?: string;
  /** The visibility timeout each heartbeat grants. */
  leaseSeconds: number;
  /** Lease renewal period (default a third of the lease). */
  heartbeatMs?: number;
  /** Minimum gap between progress writes (default min(1 s, heartbeatMs)). */
  progressMs?: number;
  onProgress?: (progress: number) => void;
  log?: (line: string) => void;
}

/**
 * Keeps a fetched job's visibility timeout from running out while the worker works on it
 * (pg-boss heartbeat, lib/jobs/attempt.ts): renews it every `heartbeatMs`, writes progress to
 * the asset (throttled, monotonic), and aborts {@link signal} as soon as a renewal finds the
 * job is no longer ours. If renewals fail (database unreachable) until
 * the lease we last obtained has run out, the job is treated as lost too: someone else may
 * own it by now.
 */
export class JobLease {
  private readonly controller = new AbortController();
  private readonly heartbeatMs: number;
  private readonly progressMs: number;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private progress = 0;
  private written = -1;
  private lastWrite = 0;
  private validUntil: number;

  constructor(private readonly o: JobLeaseOptions) {
    this.heartbeatMs = o.heartbeatMs ?? Math.max(200, Math.floor((o.leaseSeconds * 1000) / 3));
    this.progressMs = o.progressMs ?? Math.min(1000, this.heartbeatMs);
    // The fetch itself granted the queue's visibility timeout (the same lease).
    this.validUntil = Date.now() + o.leaseSeconds * 1000;
  }

  /** Aborted (reason: AttemptLostError) when the job is lost. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get lost(): boolean {
    return this.controller.signal.aborted;
  }

  start(): this {
    this.timer = setInterval(() => void this.renew(), this.heartbeatMs);
    this.timer.unref?.();
    return this;
  }

  /** Records progress (0-100, never going back); written at most every `progressMs`. */
  setProgress(progress: number): void {
    if (progress <= this.progress) return;
    this.progress = Math.min(100, progress);
    if (Date.now() - this.lastWrite >= this.progressMs) void this.renew();
  }

  /** Renews now and throws {@link AttemptLostError} unless the job is still ours. Call before destructive steps. */
  async assertOwned(): Promise<void> {
    await this.renew();
    if (this.lost) throw this.controller.signal.reason as Error;
  }

  /** Stops renewing (the job is finished, failed or released); waits for a write in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
  }

  private renew(): Promise<void> {
    // One write at a time, in order.
    this.chain = this.chain.then(async () => {
      if (this.lost) return;
      const progress = this.progress;
      this.lastWrite = Date.now();
      try {
        const started = Date.now();
        const ok = await heartbeat(this.o.db, this.o.attempt, this.o.leaseSeconds);
        if (!ok) {
          this.controller.abort(new AttemptLostError(this.o.attempt.id));
          return;
        }
        if (progress > this.written && this.o.assetId) {
          await this.o.db.asset.updateMany({ where: { id: this.o.assetId, status: "PROCESSING" }, data: { progress } });
        }
        this.validUntil = started + this.o.leaseSeconds * 1000;
        if (progress > this.written) {
          this.written = progress;
          this.o.onProgress?.(progress);
        }
      } catch (err) {
        this.o.log?.(`heartbeat for job ${this.o.attempt.id} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (Date.now() >= this.validUntil) this.controller.abort(new AttemptLostError(this.o.attempt.id));
      }
    });
    return this.chain;
  }
}
