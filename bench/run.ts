/**
 * `npm run bench`: every comparison of issue 11 side by side in one run, each against a baseline
 * measured in the same run on the same machine. Prints a table, writes bench/results.json and
 * exits non-zero when a target is MISSED (full run) or a module crashes (any run).
 *
 *   npm run bench                     the full run (minutes; never part of npm test)
 *   npm run bench -- --quick          each measurement about a second: keeps the suite from
 *                                     rotting (npm test runs it); targets printed, never failing
 *   npm run bench -- --only edge,signing   some modules only
 *
 * What it starts (bench/lib/stack.ts) is started once, on first use, on bench-only ports and
 * data folders, and stopped at the end, on failure and on Ctrl-C.
 */
import fs from "node:fs";
import path from "node:path";
import { catalogue } from "./catalogue";
import { edge } from "./edge";
import { lesson } from "./lesson";
import { ensureSystemTools } from "./lib/nginx";
import { stopAll, stopOnSignals } from "./lib/processes";
import { exitStatus, formatTable, machineInfo, type ResultsFile } from "./lib/report";
import type { Bench, BenchResult } from "./lib/result";
import { Stack } from "./lib/stack";
import { pageWeight } from "./page-weight";
import { signing } from "./signing";
import { transcodeBench } from "./transcode";
import { uploads } from "./uploads";

/** In the order they run: in-process first, then against the stack. */
export const MODULES: Record<string, Bench> = { signing, "page-weight": pageWeight, catalogue, lesson, edge, uploads, transcode: transcodeBench };

export interface RunOptions {
  quick: boolean;
  only: string[] | null;
}

/** `--quick`, `--only a,b` (or `--only a --only b`); unknown flags and modules are errors. */
export function parseArgs(argv: string[], known: string[] = Object.keys(MODULES)): RunOptions {
  let quick = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--only" || arg.startsWith("--only=")) {
      const value = arg === "--only" ? argv[++i] : arg.slice("--only=".length);
      if (!value) throw new Error("--only needs a module name");
      only.push(...value.split(",").map((s) => s.trim()).filter(Boolean));
    } else throw new Error(`unknown argument ${JSON.stringify(arg)} (use --quick, --only <${known.join("|")}>)`);
  }
  const unknown = only.filter((m) => !known.includes(m));
  if (unknown.length) throw new Error(`unknown module(s) ${unknown.join(", ")}: choose from ${known.join(", ")}`);
  return { quick, only: only.length ? only : null };
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const names = Object.keys(MODULES).filter((m) => !options.only || options.only.includes(m));
  stopOnSignals();
  const started = Date.now();
  const log = (line: string) => console.error(`[bench] ${line} (${Math.round((Date.now() - started) / 1000)} s)`);
  if (names.some((m) => m !== "signing")) ensureSystemTools(["wrk", ...(names.includes("edge") ? ["nginx"] : [])]);

  const stack = new Stack();
  const ctx = { quick: options.quick, seconds: options.quick ? 1 : 10, stack, log };
  const results: BenchResult[] = [];
  const failures: ResultsFile["failures"] = [];
  try {
    for (const name of names) {
      log(`${name}: start`);
      try {
        results.push(...(await MODULES[name](ctx)));
      } catch (err) {
        console.error(`[bench] ${name} failed:`, err);
        failures.push({ module: name, error: err instanceof Error ? err.message : String(err) });
      }
    }
  } finally {
    log("stopping what the benchmark started");
    await stopAll();
  }

  const file: ResultsFile = { quick: options.quick, machine: machineInfo(), results, failures };
  const out = path.resolve("bench/results.json");
  // A quick run never overwrites the figures of a full run.
  const target = options.quick ? path.resolve("var/bench-results.quick.json") : out;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);

  console.log(`\n${formatTable(results)}\n`);
  const m = file.machine;
  console.log(`${m.cpu}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${m.node}, ${m.os}; ${options.quick ? "QUICK run (figures mean nothing; targets not enforced)" : "full run"} in ${Math.round((Date.now() - started) / 1000)} s; written to ${path.relative(process.cwd(), target)}`);
  for (const f of failures) console.log(`FAILED: ${f.module}: ${f.error}`);
  const missed = results.filter((r) => r.met === false);
  if (missed.length) console.log(`MISSED: ${missed.map((r) => r.name).join("; ")}${options.quick ? " (quick run: not enforced)" : ""}`);
  return exitStatus(file);
}

if (process.argv[1] && /bench[\\/]run\.ts$/.test(process.argv[1])) {
  main().then(
    (code) => process.exit(code),
    async (err: unknown) => {
      console.error("[bench] failed:", err);
      await stopAll();
      process.exit(1);
    },
  );
}
