import v8 from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Small measuring helpers shared by the modules: in-process operations per second, medians,
 * and alternating a candidate with its baseline so a noisy neighbour on a shared machine hits
 * both alike.
 */

/** CPU time this process has used (all threads: the GC's helpers count too), in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * Calls `fn(i)` with increasing i for about `ms` milliseconds of CPU time (after `warmUp`
 * calls); returns calls per CPU second. CPU time rather than wall time: on a shared machine a
 * slice during which the process waits for a core would otherwise count against whichever
 * function happened to run then.
 */
export function opsPerSecond(fn: (i: number) => void, ms: number, start = 0, warmUp = 100): number {
  for (let i = 0; i < warmUp; i++) fn(start + i);
  const t0 = cpuMs();
  let n = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    for (let k = 0; k < 10; k++) fn(start + warmUp + n++);
    elapsed = cpuMs() - t0;
  }
  return n / (elapsed / 1000);
}

/**
 * A full garbage collection, when one can be asked for: between two measured slices, so that a
 * function's slice does not pay for the garbage the previous function left (the SDK signer's
 * per-call PEM parsing leaves much more than ours; its collection landed in our slice).
 */
const collectGarbage: () => void = (() => {
  try {
    v8.setFlagsFromString("--expose-gc");
    return runInNewContext("gc") as () => void;
  } catch {
    return () => undefined;
  }
})();

/**
 * In-process rates of several functions measured in alternating short slices (a, b, c, a, b,
 * c, ...), so that a neighbour's load hits all of them alike: each function's rate per round.
 * `fn(i)` gets a fresh i on every call across rounds.
 */
export function alternatingRates<K extends string>(fns: Record<K, (i: number) => void>, rounds: number, sliceMs: number): Record<K, number[]> {
  const keys = Object.keys(fns) as K[];
  const rates = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of keys) fns[k](-1); // compile
  let next = 0;
  for (let round = 0; round < rounds; round++) {
    for (const k of keys) {
      const start = next;
      next += 1_000_000;
      collectGarbage();
      rates[k].push(opsPerSecond(fns[k], sliceMs, start, round === 0 ? 100 : 5));
    }
  }
  return rates;
}

/** The median of the per-round ratios a[i] / b[i] (rounds measured side by side). */
export function pairedRatio(a: number[], b: number[]): number {
  return median(a.map((x, i) => x / b[i]));
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs each measurement `rounds` times, interleaved, the order reversed every other round
 * (a b, b a, a b, …) so that a drift over the run (a JIT or a cache still warming, a neighbour's
 * load rising) does not always favour whichever comes second; returns each one's runs, in round
 * order, and their median.
 */
export async function interleaved<K extends string, T>(
  rounds: number,
  measurements: Record<K, (round: number) => Promise<T> | T>,
  value: (t: T) => number,
): Promise<Record<K, { median: number; all: T[] }>> {
  const keys = Object.keys(measurements) as K[];
  const all = Object.fromEntries(keys.map((k) => [k, [] as T[]])) as Record<K, T[]>;
  for (let round = 0; round < rounds; round++) {
    for (const k of round % 2 ? [...keys].reverse() : keys) all[k].push(await measurements[k](round));
  }
  return Object.fromEntries(keys.map((k) => [k, { median: median(all[k].map(value)), all: all[k] }])) as Record<K, { median: number; all: T[] }>;
}

/** The result whose value is the median (the run the table's p50/p99 come from). */
export function medianRun<T>(runs: T[], value: (t: T) => number): T {
  const sorted = [...runs].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
