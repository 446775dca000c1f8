/**
 * The processes `npm run bench` starts: each child's output goes to var/bench-log/<name>.log,
 * every child is remembered, and `stopAll` ends them (SIGTERM, then SIGKILL after a grace
 * period), also on Ctrl-C, SIGTERM or a crash of the runner. Only processes started here are
 * ever signalled, by their own pid.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { envSchema } from "../../lib/config/schema";

export interface Service {
  name: string;
  proc: ChildProcess;
  /** The pid of the process doing the work (started directly, never through a wrapper). */
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

const services = new Set<Service>();
const cleanups: (() => Promise<void>)[] = [];
const STOP_GRACE_MS = 10_000;
export const LOG_DIR = path.resolve("var/bench-log");

/**
 * The environment for a child: the runner's own minus every variable of lib/config (so a
 * developer's shell or `.env.local` never leaks into a measurement), plus `vars`. A variable
 * set to "" here also stops `.env.local` from filling it in (@next/env keeps defined values).
 */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(envSchema.shape)) delete env[key];
  delete env.__NEXT_PROCESSED_ENV;
  delete env.NODE_OPTIONS;
  for (const key of Object.keys(envSchema.shape)) env[key] ??= "";
  return { ...env, ...vars };
}

function lastLines(file: string, n = 20): string {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** Starts `cmd` as a service; it fails the run if it exits before `stopAll`. */
export function startService(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): Service {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = fs.openSync(logFile, "w");
  const proc = spawn(cmd, args, { env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  if (!proc.pid) throw new Error(`bench: could not start ${name} (${cmd})`);
  let stopping = false;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const service: Service = {
    name,
    proc,
    pid: proc.pid,
    logFile,
    async stop() {
      if (stopping) return exited;
      stopping = true;
      services.delete(service);
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  proc.once("exit", (code, signal) => {
    if (stopping) return;
    services.delete(service);
    console.error(`[bench] ${name} exited (${code ?? signal}); its log (${logFile}):\n${lastLines(logFile)}`);
  });
  services.add(service);
  return service;
}

/** Runs a command to completion with its output in the log; throws with the log's tail when it fails. */
export function runStep(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): void {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = fs.openSync(logFile, "w");
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", out, out] });
  fs.closeSync(out);
  if (r.status !== 0) throw new Error(`bench: ${name} failed (${r.status ?? r.signal}):\n${lastLines(logFile)}`);
}

/** Something else to undo at the end (the embedded database, temporary files). */
export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** Stops every service started here, then runs the clean-ups (last registered first). */
export async function stopAll(): Promise<void> {
  await Promise.all([...services].map((s) => s.stop()));
  while (cleanups.length) await cleanups.pop()!().catch((err: unknown) => console.error("[bench] clean-up failed:", err));
}

/** Ctrl-C / SIGTERM: stop everything, then exit. */
export function stopOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`[bench] ${signal}: stopping what the benchmark started`);
      void stopAll().finally(() => process.exit(130));
    });
  }
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Waits until `url` answers (any status below 500), or the service dies, or the time runs out. */
export async function waitForHttp(url: string, service: Service | null, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service && (service.proc.exitCode !== null || service.proc.signalCode !== null)) {
      throw new Error(`bench: ${service.name} exited before answering ${url}:\n${lastLines(service.logFile)}`);
    }
    const status = await fetch(url, { signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (status > 0 && status < 500) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`bench: ${url} did not answer within ${timeoutMs / 1000} s${service ? `:\n${lastLines(service.logFile)}` : ""}`);
}

/** Resident set size of a process in bytes (/proc/<pid>/status VmRSS); null when it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system) a process has used, in seconds (/proc/<pid>/stat, clock ticks of
 * 1/100 s); null when it is gone. Per request, a figure a busy neighbour hardly moves.
 */
export function cpuSecondsOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** `cpuSecondsOf` the process plus its living children (nginx: the master and its worker). */
export function cpuSecondsWithChildren(pid: number): number | null {
  const own = cpuSecondsOf(pid);
  if (own === null) return null;
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    children = [];
  }
  return children.reduce((sum, child) => sum + (cpuSecondsOf(child) ?? 0), own);
}
