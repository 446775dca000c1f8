import { spawn, type ChildProcess } from "node:child_process";
import { serverEnv } from "../../../playwright.config";

/**
 * Another production app instance (server/main.ts) over the e2e stack's database, storage and
 * edge, on its own port — what a second instance behind a load balancer is. `env` overrides the
 * stack's environment (e.g. to run with the default media lifetimes).
 */
export interface AppInstance {
  url: string;
  child: ChildProcess;
  log: string[];
  exited: Promise<number | string | null>;
  stop(): Promise<void>;
}

export async function startAppInstance(port: number, env: Record<string, string | undefined> = {}): Promise<AppInstance> {
  const log: string[] = [];
  const merged: NodeJS.ProcessEnv = { ...process.env, ...serverEnv, PORT: String(port), NODE_ENV: "production" };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  // Like scripts/start.ts: node with the tsx loader (the tsx CLI would not let SIGTERM reach the drain).
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], { env: merged, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (c: Buffer) => log.push(c.toString()));
  child.stderr!.on("data", (c: Buffer) => log.push(c.toString()));
  const exited = new Promise<number | string | null>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? code)));
  // A run cut short (timeout, Ctrl-C) skips afterAll: never leave the instance behind on its port.
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  void exited.then(() => process.off("exit", reap));
  const url = `http://localhost:${port}`;
  const start = Date.now();
  for (;;) {
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    if (child.exitCode !== null || Date.now() - start > 90_000) throw new Error(`app instance on ${port} did not become healthy: ${log.join("")}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    child,
    log,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
