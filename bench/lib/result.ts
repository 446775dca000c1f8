import { median, pairedRatio } from "./measure";
import type { Stack } from "./stack";

/**
 * One line of `npm run bench` (bench/results.json): a figure of ours against a baseline measured
 * in the same run on the same machine, and the target the ratio must meet. Shared by every
 * benchmark module; the runner prints the table, writes the JSON and exits non-zero on MISSED.
 */
export interface BenchResult {
  /** What is compared, e.g. "edge 1 MiB segments, 50 conc. vs nginx". */
  name: string;
  /** The unit of `ours` and `baseline`, e.g. "req/s", "signatures/s", "s", "bytes". */
  unit: string;
  ours: number;
  baseline: number | null;
  /** ours / baseline (or the figure the target is about, when there is no baseline). */
  ratio: number | null;
  /** Human-readable target, e.g. "≥ 0.90", "≤ 1.10"; null for a reported figure with no target. */
  target: string | null;
  /** Whether the target was met; null when there is no target. */
  met: boolean | null;
  p50Ms?: number;
  p99Ms?: number;
  /** Anything else worth keeping next to the figure (RSS, query counts, errors, ...). */
  extra?: Record<string, number | string>;
}

export interface BenchContext {
  /** `--quick`: each measurement runs about a second; targets are reported but never fail the run. */
  quick: boolean;
  /** Seconds a load measurement lasts (1 in quick mode). */
  seconds: number;
  /** What the benchmarks run against, started on first use and stopped by the runner. */
  stack: Stack;
  /** Progress lines (stderr), so a long run shows where it is. */
  log: (line: string) => void;
}

/** A benchmark module: runs its comparisons and returns their lines. */
export type Bench = (ctx: BenchContext) => Promise<BenchResult[]>;

/** A result line from a measured pair and a target on the ratio ("≥" or "≤"). */
export function compare(
  name: string,
  unit: string,
  ours: number,
  baseline: number,
  target: { op: ">=" | "<="; value: number } | null,
  more: Pick<BenchResult, "p50Ms" | "p99Ms" | "extra"> = {},
): BenchResult {
  const ratio = baseline > 0 ? ours / baseline : null;
  const met = target == null || ratio == null ? null : target.op === ">=" ? ratio >= target.value : ratio <= target.value;
  return { name, unit, ours, baseline, ratio, target: target ? `${target.op === ">=" ? "≥" : "≤"} ${target.value}` : null, met, ...more };
}

/**
 * A result from rounds measured side by side (ours[i] next to baseline[i]): the medians as the
 * figures, and as the ratio the median of the per-round ratios, which a neighbour's load
 * changing between rounds does not skew.
 */
export function compareRounds(
  name: string,
  unit: string,
  ours: number[],
  baseline: number[],
  target: { op: ">=" | "<="; value: number } | null,
  more: Pick<BenchResult, "p50Ms" | "p99Ms" | "extra"> = {},
): BenchResult {
  const r = compare(name, unit, median(ours), median(baseline), target, more);
  const ratio = pairedRatio(ours, baseline);
  const met = target == null ? null : target.op === ">=" ? ratio >= target.value : ratio <= target.value;
  return { ...r, ratio, met, extra: { ...more.extra, rounds: ours.length } };
}

/** A figure with no baseline and no target (reported for the record). */
export function figure(name: string, unit: string, ours: number, more: Pick<BenchResult, "p50Ms" | "p99Ms" | "extra"> = {}): BenchResult {
  return { name, unit, ours, baseline: null, ratio: null, target: null, met: null, ...more };
}

/** A figure checked against a target that is not a ratio (e.g. "every response < 2 s"). */
export function check(
  name: string,
  unit: string,
  ours: number,
  target: string,
  met: boolean,
  more: Partial<Pick<BenchResult, "baseline" | "ratio" | "p50Ms" | "p99Ms" | "extra">> = {},
): BenchResult {
  const { baseline = null, ratio = null, ...rest } = more;
  return { name, unit, ours, baseline, ratio, target, met, ...rest };
}
