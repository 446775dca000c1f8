/**
 * What `npm run bench` prints and writes: the table, bench/results.json with the machine it ran
 * on, and the exit status. Pure but for `machineInfo` (reads os and process).
 */
import os from "node:os";
import type { BenchResult } from "./result";

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  date: string;
}

export interface ResultsFile {
  quick: boolean;
  machine: Machine;
  results: BenchResult[];
  /** Modules that crashed, with their error. */
  failures: { module: string; error: string }[];
}

export function machineInfo(now = new Date()): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? "unknown",
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
  };
}

/** A figure with three significant digits at most (thousands separated), or "—". */
export function formatNumber(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { minimumFractionDigits: 0, maximumFractionDigits: digits });
}

export function verdict(r: BenchResult): string {
  return r.met === null ? "" : r.met ? "MET" : "MISSED";
}

const COLUMNS = ["benchmark", "ours", "baseline", "unit", "ratio", "target", "", "p50 ms", "p99 ms"] as const;

/** The results as an aligned text table (one line per result). */
export function formatTable(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    formatNumber(r.ours),
    formatNumber(r.baseline),
    r.unit,
    r.ratio == null ? "—" : formatNumber(r.ratio),
    r.target ?? "—",
    verdict(r),
    formatNumber(r.p50Ms),
    formatNumber(r.p99Ms),
  ]);
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const numeric = new Set([1, 2, 4, 7, 8]);
  const line = (row: string[]) =>
    row
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(all[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The same table in Markdown (README's Performance section). */
export function formatMarkdown(results: BenchResult[]): string {
  const head = "| benchmark | ours | baseline | unit | ratio | target | | p50 ms | p99 ms |\n|---|---:|---:|---|---:|---|---|---:|---:|";
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${formatNumber(r.ours)} | ${formatNumber(r.baseline)} | ${r.unit} | ${r.ratio == null ? "—" : formatNumber(r.ratio)} | ${r.target ?? "—"} | ${verdict(r)} | ${formatNumber(r.p50Ms)} | ${formatNumber(r.p99Ms)} |`,
  );
  return [head, ...rows].join("\n");
}

/**
 * The exit status: 1 when a module crashed (also in quick mode) or, in a full run, when a target
 * was missed; 0 otherwise. Quick runs keep the suite from rotting: their figures prove nothing.
 */
export function exitStatus(file: Pick<ResultsFile, "quick" | "results" | "failures">): number {
  if (file.failures.length > 0) return 1;
  if (!file.quick && file.results.some((r) => r.met === false)) return 1;
  return 0;
}
