/**
 * How many cases the fuzz suites try, and the counters they print.
 *
 * `FUZZ_RUNS` is the TOTAL number of mutated requests the forgery suite verifies (each one with
 * and without the signature cache). Unset: the small count that runs in `npm test`
 * (DEFAULT_RUNS, a few seconds); `npm run test:fuzz` sets 1,000,000 (vitest.fuzz.config.mts).
 * `FUZZ_SEED` replays a run (fast-check prints the seed of a failure).
 */

export const DEFAULT_RUNS = 25_000;

function readInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw.replace(/_/g, ""));
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${raw}`);
  return n;
}

export const TOTAL_RUNS = readInt("FUZZ_RUNS") ?? DEFAULT_RUNS;
export const SEED = readInt("FUZZ_SEED");

/** Splits TOTAL_RUNS by weight; every share is at least `min` so each property runs. */
export function shares<K extends string>(weights: Record<K, number>, total = TOTAL_RUNS, min = 50): Record<K, number> {
  const sum = Object.values<number>(weights).reduce((a, b) => a + b, 0);
  const out = {} as Record<K, number>;
  for (const k of Object.keys(weights) as K[]) out[k] = Math.max(min, Math.ceil((total * weights[k]) / sum));
  return out;
}

export const fmt = (n: number): string => n.toLocaleString("en-US");

/** fast-check parameters shared by every property (seeded when FUZZ_SEED is set). */
export function fcParams(numRuns: number): { numRuns: number; seed?: number; endOnFailure: boolean } {
  return SEED === undefined ? { numRuns, endOnFailure: false } : { numRuns, seed: SEED, endOnFailure: false };
}
