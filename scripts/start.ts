/**
 * `npm start`: the whole portal on one machine, on the embedded default.
 *
 *  1. writes development secrets/keys to .env.local if missing (scripts/ensure-env.ts);
 *  2. applies migrations and seeds demo data once;
 *  3. builds the app (skipped with --no-build or SKIP_BUILD=1, e.g. when CI built it already);
 *  4. runs storage (s3rver), the local edge, the worker and the app together, and stops
 *     them together: Ctrl-C or SIGTERM stops all, and if one dies the others are stopped.
 *
 * Flags: --fresh  start from an empty database and storage (used by the e2e tests).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { loadEnvFiles } from "../lib/config/env-files";
import { parseConfig } from "../lib/config/schema";
import { ensureLocalEnv } from "../lib/config/dev-setup";

const args = new Set(process.argv.slice(2));
const root = process.cwd();
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

function log(msg: string) {
  console.log(`[start] ${msg}`);
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, argv, { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`[start] ${path.basename(cmd)} ${argv.join(" ")} failed (exit ${r.status ?? r.signal}).`);
    process.exit(r.status ?? 1);
  }
}

function sqlitePath(url: string): string | null {
  return url.startsWith("file:") ? url.slice("file:".length) : null;
}

async function main() {
  const { added } = ensureLocalEnv(root);
  if (added.length) log(`generated ${added.join(", ")} in .env.local`);
  loadEnvFiles(root);
  // The same parse every child process makes of the same environment (lib/config).
  const config = parseConfig(process.env);
  const env = process.env;

  if (args.has("--fresh")) {
    const db = sqlitePath(config.database.url);
    if (db) for (const f of [db, `${db}-journal`, `${db}-wal`, `${db}-shm`]) fs.rmSync(f, { force: true });
    fs.rmSync(config.storageServer.directory, { recursive: true, force: true });
    log("fresh start: database and storage removed");
  }

  for (const [name, port] of [["app", config.server.port], ["edge", config.edge.port], ["storage", config.storageServer.port]] as const) {
    if (await portInUse(Number(port))) {
      console.error(`[start] port ${port} (${name}) is already in use: is another copy of the portal running? Stop it or set ${name === "app" ? "PORT" : name === "edge" ? "EDGE_PORT" : "STORAGE_PORT"}.`);
      process.exit(1);
    }
  }

  log("applying migrations");
  run(bin("prisma"), ["migrate", "deploy"]);

  const skipBuild = args.has("--no-build") || env.SKIP_BUILD === "1";
  if (!skipBuild) {
    log("building the app (next build)");
    run(bin("next"), ["build"]);
  } else if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
    console.error("[start] no build found in .next: run `npm run build` or start without --no-build.");
    process.exit(1);
  }

  const children: { name: string; proc: ChildProcess }[] = [];
  let stopping = false;

  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGTERM");
    const deadline = setTimeout(() => {
      for (const c of children) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
      process.exit(code);
    }, 5000);
    deadline.unref();
    Promise.all(children.map((c) => (c.proc.exitCode !== null ? null : new Promise((r) => c.proc.once("exit", r))))).then(() =>
      process.exit(code),
    );
  };

  const startService = (name: string, cmd: string, argv: string[]) => {
    const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env });
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => `[${name}] ${l}\n`)
        .join("");
    proc.stdout!.on("data", (c: Buffer) => process.stdout.write(prefix(c)));
    proc.stderr!.on("data", (c: Buffer) => process.stderr.write(prefix(c)));
    proc.on("exit", (code, signal) => {
      if (stopping) return;
      console.error(`[start] ${name} exited (${code ?? signal}); stopping everything.`);
      stopAll(code || 1);
    });
    children.push({ name, proc });
    return proc;
  };

  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));

  const tsx = [bin("tsx"), "--conditions=react-server"] as const;
  startService("storage", tsx[0], [tsx[1], "scripts/storage.ts"]);
  await waitForPort(config.storageServer.port, "storage");

  log("seeding demo data (once)");
  run(tsx[0], [tsx[1], "prisma/seed.ts"]);

  startService("edge", tsx[0], [tsx[1], "edge/main.ts"]);
  startService("worker", tsx[0], [tsx[1], "worker/main.ts"]);
  startService("app", bin("next"), ["start", "-p", String(config.server.port), "-H", config.server.host]);
  await waitForPort(config.server.port, "app");
  log(`ready: ${config.server.publicUrl} (media edge ${config.edge.publicUrl})`);
}

async function portInUse(port: number): Promise<boolean> {
  const net = await import("node:net");
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, name: string, timeoutMs = 60_000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await portInUse(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs / 1000}s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
