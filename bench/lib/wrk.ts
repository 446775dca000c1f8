/**
 * Load from `wrk` (Debian's package, installed by the runner when missing): a C load generator
 * that costs the 2-core machine far less than a Node one would. A generated Lua script cycles
 * through the paths and prints the summary as one JSON line, which `parseWrkOutput` reads (pure,
 * unit-tested).
 *
 * Latency figures are wrk's: a response slower than `--timeout` counts as a timeout and is left
 * out of the latency distribution, so "every response inside 2 s" is `timeouts === 0` with a
 * 2 s timeout (plus no socket or status errors).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

export interface WrkOptions {
  /** http://127.0.0.1:<port> (no path). */
  origin: string;
  /** Request paths, cycled in order by every connection. */
  paths: string[];
  connections: number;
  /** wrk threads; 1–2 on a 2-core machine shared with the servers. */
  threads: number;
  seconds: number;
  headers?: Record<string, string>;
  /** Responses slower than this are counted as timeouts. Default 10 s. */
  timeoutSeconds?: number;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
}

const MARK = "WRK_JSON ";

/** The Lua script: round-robin over `paths`, JSON summary on stdout. */
export function wrkScript(paths: string[]): string {
  const list = paths.map((p) => JSON.stringify(p)).join(", ");
  return `local paths = { ${list} }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${MARK}{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
`;
}

/** Reads the JSON line the script prints; throws when wrk printed none. */
export function parseWrkOutput(stdout: string): WrkResult {
  const line = stdout.split("\n").find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`wrk printed no summary:\n${stdout.slice(0, 2000)}`);
  const raw = JSON.parse(line.slice(MARK.length)) as {
    requests: number;
    duration_us: number;
    bytes: number;
    errors: WrkResult["errors"];
    latency_us: Record<"p50" | "p90" | "p99" | "max" | "mean", number>;
  };
  const seconds = raw.duration_us / 1e6;
  const ms = (us: number) => us / 1000;
  return {
    requests: raw.requests,
    seconds,
    rps: seconds > 0 ? raw.requests / seconds : 0,
    bytes: raw.bytes,
    errors: raw.errors,
    latencyMs: {
      p50: ms(raw.latency_us.p50),
      p90: ms(raw.latency_us.p90),
      p99: ms(raw.latency_us.p99),
      max: ms(raw.latency_us.max),
      mean: ms(raw.latency_us.mean),
    },
  };
}

/** All errors wrk counted (socket errors, HTTP status ≥ 400, timeouts). */
export function errorCount(r: WrkResult): number {
  const e = r.errors;
  return e.connect + e.read + e.write + e.status + e.timeout;
}

let scriptCounter = 0;

export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const dir = path.resolve("var/bench-tmp");
  fs.mkdirSync(dir, { recursive: true });
  const script = path.join(dir, `wrk-${process.pid}-${++scriptCounter}.lua`);
  fs.writeFileSync(script, wrkScript(options.paths));
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    `--timeout`,
    `${options.timeoutSeconds ?? 10}s`,
    "-s",
    script,
    ...Object.entries(options.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]),
    options.origin,
  ];
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile("wrk", args, { maxBuffer: 10 * 1024 * 1024, timeout: (options.seconds + 60) * 1000 }, (err, out, errOut) => {
        if (err) reject(new Error(`wrk failed: ${err.message}\n${errOut}`));
        else resolve(out);
      });
    });
    return parseWrkOutput(stdout);
  } finally {
    fs.rmSync(script, { force: true });
  }
}
