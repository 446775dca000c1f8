/**
 * The edge's own endpoints, answered before verification (no object is served):
 *
 *   GET /_edge/health   200 {"status":"ok","storage":"ok"} when storage answers a HEAD of a key
 *                       that does not exist; 503 {"status":"unavailable","storage":"<reason>"}
 *                       otherwise; 503 {"status":"draining"} during shutdown.
 *   GET /_edge/metrics  counters (storage requests, object cache) and process memory.
 *
 * `_edge/` is not a key prefix the portal uses (ADR 027), so nothing is shadowed.
 */
import type http from "node:http";

import type { Prepared } from "./options";
import { isMissing } from "./serve-object";

export const HEALTH_PATH = "/_edge/health";
export const METRICS_PATH = "/_edge/metrics";
/** Never written: a HEAD of it returns null quickly when storage is up. */
const PROBE_KEY = "_edge/health-probe";

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
  });
}
