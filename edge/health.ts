/**
 * The edge's own endpoints, answered before verification (no object is served):
 *
 *   GET /_edge/health   200 {"status":"ok","storage":"ok"} when storage answers a HEAD of a key
 *                       that does not exist; 503 {"status":"unavailable","storage":"<reason>"}
 *                       otherwise; 503 {"status":"draining"} during shutdown.
 *   GET /_edge/metrics  counters (storage requests, object cache), process memory, and the
 *                       event loop's delay since start (ms: p50, p99, max) — a stalled loop
 *                       delays every response, so a slow response with a quiet loop was slow
 *                       elsewhere (in TCP or the client).
 *
 * `_edge/` is not a key prefix the portal uses (ADR 027), so nothing is shadowed.
 */
import type http from "node:http";
import { monitorEventLoopDelay } from "node:perf_hooks";

import type { Prepared } from "./options";
import { isMissing } from "./serve-object";

export const HEALTH_PATH = "/_edge/health";
export const METRICS_PATH = "/_edge/metrics";
/** Never written: a HEAD of it returns null quickly when storage is up. */
const PROBE_KEY = "_edge/health-probe";

/** Sampled every 10 ms from the first metrics request's module load (the edge's start). */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const ms = (ns: number) => Math.round(ns / 1e5) / 10;

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.setHeader("Cache-Control", "no-store");
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const text = err.name === "TimeoutError" || err.name === "AbortError" ? "timeout" : `${code ?? err.name}: ${err.message}`;
  return text.slice(0, 200);
}

export async function sendHealth(cfg: Prepared, res: http.ServerResponse, draining: boolean): Promise<void> {
  if (draining) return sendJson(res, 503, { status: "draining" });
  const signal = AbortSignal.timeout(cfg.healthTimeoutMs);
  // The timer answers even if the storage client ignores the signal.
  const timedOut = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));
  try {
    await Promise.race([cfg.origin.headObject(PROBE_KEY, { signal }), timedOut]);
  } catch (err) {
    // S3 without s3:ListBucket answers 403 for a missing key (ADR 020): storage did answer.
    if (!isMissing(err)) return sendJson(res, 503, { status: "unavailable", storage: reason(err) });
  }
  sendJson(res, 200, { status: "ok", storage: "ok" });
}

export function sendMetrics(cfg: Prepared, res: http.ServerResponse, draining: boolean): void {
  const memory = process.memoryUsage();
  sendJson(res, 200, {
    status: draining ? "draining" : "ok",
    verify: cfg.verify,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    storage: { ...cfg.storageCounters },
    cache: cfg.objectCache?.stats() ?? null,
    eventLoopDelayMs: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) },
  });
}
