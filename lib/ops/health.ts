import "server-only";
import { db } from "@/lib/db";
import { signingCacheStats } from "@/lib/cloudfront/instance";
import type { SigningCacheStats } from "@/lib/cloudfront/signing-cache";
import { serverState } from "@/lib/ops/server-state";
import { storage } from "@/lib/storage/instance";

/**
 * Readiness of this app instance for a load balancer or orchestrator: the database and the
 * storage answer (each within a few seconds), and the instance is not draining. Also reports
 * this instance's signature cache (ADR 050: entries, bound, hits, misses, hit ratio), which
 * does not affect the status.
 */
export interface Health {
  status: "ok" | "unavailable" | "draining";
  database: string;
  storage: string;
  signatureCache: SigningCacheStats;
}

const TIMEOUT_MS = 3000;

async function probe(fn: (signal: AbortSignal) => Promise<unknown>): Promise<string> {
  const signal = AbortSignal.timeout(TIMEOUT_MS);
  try {
    await Promise.race([
      fn(signal),
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error(`no answer within ${TIMEOUT_MS / 1000}s`)), { once: true })),
    ]);
    return "ok";
  } catch (err) {
    return `unreachable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
  }
}

export async function checkHealth(): Promise<Health> {
  const [database, store] = await Promise.all([
    probe(() => db.$queryRawUnsafe("SELECT 1")),
    // A key that never exists: "not found" proves storage answered.
    probe((signal) => storage().headObject("_health/probe", { signal })),
  ]);
  const draining = serverState().draining;
  const ok = database === "ok" && store === "ok";
  return { status: draining ? "draining" : ok ? "ok" : "unavailable", database, storage: store, signatureCache: signingCacheStats() };
}
