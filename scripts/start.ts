/**
 * `npm start`: the whole portal on one machine, on the embedded default.
 *
 *  1. writes development secrets/keys to .env.local if missing (lib/config/dev-setup.ts);
 *  2. starts the embedded PostgreSQL server (var/pg) unless DATABASE_URL/PGHOST names another,
 *     in a process group of its own (scripts/database.ts) so a terminal Ctrl-C cannot stop it
 *     before the processes that drain on it;
 *  3. applies migrations, builds the app (skipped with --no-build or SKIP_BUILD=1);
 *  4. runs storage (s3rver), seeds demo data once, then the local edge, WORKERS transcoding
 *     workers (default 1) and the app, and stops them together: Ctrl-C or SIGTERM stops all
 *     (each drains what it has in hand), the database last; if one dies the others are stopped.
 *
 * Flags: --fresh  start from an empty database and storage (used by the e2e tests).
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { ensureLocalEnv } from "../lib/config/dev-setup";
import { parseConfig } from "../lib/config/schema";
import { isListening } from "../lib/ops/port";
import { SUPERVISOR_PID_VAR } from "../lib/ops/supervisor";

const args = new Set(process.argv.slice(2));
const root = process.cwd();
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);
/** How long the processes get to drain on Ctrl-C / SIGTERM before they are killed. */
const STOP_GRACE_MS = 20_000;

function log(msg: string) {
  console.log(`[start] ${msg}`);
}

function fail(msg: string): never {
  console.error(`[start] ${msg}`);
  process.exit(1);
}

function run(cmd: string, argv: string[]) {
  const r = spawnSync(cmd, argv, { stdio: "inherit", env: process.env });
  if (r.status !== 0) fail(`${path.basename(cmd)} ${argv.join(" ")} failed (exit ${r.status ?? r.signal}).`);
}

async function main() {
  const started = Date.now();
  const { added } = ensureLocalEnv(root);
  if (added.length) log(`generated ${added.join(", ")} in .env.local`);
  // The same parse every child process makes of the same environment (lib/config).
  const config = parseConfig(process.env);
  const embedded = config.database.embedded;
  const workers = config.start.workers;

  if (args.has("--fresh")) {
    if (embedded) fs.rmSync(embedded.dataDir, { recursive: true, force: true });
    fs.rmSync(config.storageServer.directory, { recursive: true, force: true });
    if (config.start.logDir) fs.rmSync(config.start.logDir, { recursive: true, force: true });
    log(`fresh start: ${embedded ? "database and " : ""}storage removed${embedded ? "" : " (the external database is kept)"}`);
  }

  const ports: [string, number, string][] = [
    ["app", config.server.port, "PORT"],
    ["edge", config.edge.port, "EDGE_PORT"],
    ["storage", config.storageServer.port, "STORAGE_PORT"],
    ...(embedded ? [["database", embedded.port, "EMBEDDED_DB_PORT"] as [string, number, string]] : []),
  ];
  for (const [name, port, variable] of ports) {
    if (await isListening(port)) fail(`port ${port} (${name}) is already in use: is another copy of the portal running? Stop it or set ${variable}.`);
  }

  const children: { name: string; proc: ChildProcess }[] = [];
  let stopping = false;
  let database: DatabaseProcess | null = null;
  if (embedded) {
    log(`starting PostgreSQL on 127.0.0.1:${embedded.port} (data in ${embedded.dataDir})`);
    database = await startDatabaseProcess(() => {
      if (!stopping) {
        console.error("[start] the database stopped; stopping everything.");
        void stopAll(1);
      }
    });
  }

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const running = children.filter((c) => c.proc.exitCode === null && c.proc.signalCode === null);
    for (const c of running) c.proc.kill("SIGTERM");
    const killer = setTimeout(() => {
      for (const c of running) if (c.proc.exitCode === null) c.proc.kill("SIGKILL");
    }, STOP_GRACE_MS);
    await Promise.all(running.map((c) => new Promise((r) => (c.proc.exitCode !== null ? r(null) : c.proc.once("exit", r)))));
    clearTimeout(killer);
    await database?.stop().catch(() => undefined);
    process.exit(code);
  };
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  try {
    log("applying migrations");
    run(bin("prisma"), ["migrate", "deploy"]);

    const skipBuild = args.has("--no-build") || process.env.SKIP_BUILD === "1";
    if (!skipBuild) {
      log("building the app (next build)");
      run(bin("next"), ["build"]);
    } else if (!fs.existsSync(path.join(root, ".next", "BUILD_ID"))) {
      fail("no build found in .next: run `npm run build` or start without --no-build.");
    }
  } catch (err) {
    await database?.stop();
    throw err;
  }

  const logDir = config.start.logDir;
  if (logDir) fs.mkdirSync(logDir, { recursive: true });
  const startService = (name: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env) => {
    // Children stop themselves if this process dies without stopping them (lib/ops/supervisor.ts).
    const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"], env: { ...env, [SUPERVISOR_PID_VAR]: String(process.pid) } });
    // Each process's output also goes to <LOG_DIR>/<name>.log (operators read it; tests scan it for secrets).
    const file = logDir ? fs.createWriteStream(path.join(logDir, `${name}.log`), { flags: "a" }) : null;
    const prefix = (chunk: Buffer) =>
      chunk
        .toString()
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => `[${name}] ${l}\n`)
        .join("");
    proc.stdout!.on("data", (c: Buffer) => {
      process.stdout.write(prefix(c));
      file?.write(c);
    });
    proc.stderr!.on("data", (c: Buffer) => {
      process.stderr.write(prefix(c));
      file?.write(c);
    });
    proc.once("exit", () => file?.end());
    proc.on("exit", (code, signal) => {
      if (stopping) return;
      console.error(`[start] ${name} exited (${code ?? signal}); stopping everything.`);
      void stopAll(code || 1);
    });
    children.push({ name, proc });
    return proc;
  };

  const tsx = [bin("tsx"), "--conditions=react-server"] as const;
  startService("storage", tsx[0], [tsx[1], "scripts/storage.ts"]);
  await waitForPort(config.storageServer.port, "storage");

  log("seeding demo data (once)");
  run(tsx[0], [tsx[1], "prisma/seed.ts"]);

  startService("edge", tsx[0], [tsx[1], "edge/main.ts"]);
  for (let i = 1; i <= workers; i++) {
    const name = workers > 1 ? `worker-${i}` : "worker";
    // Each worker answers health checks on its own port when WORKER_HEALTH_PORT is set.
    const healthPort = config.worker.healthPort ? String(config.worker.healthPort + i - 1) : "";
    startService(name, tsx[0], [tsx[1], "worker/main.ts"], { ...process.env, WORKER_HEALTH_PORT: healthPort });
  }
  // `node --import tsx` rather than the tsx CLI: the CLI's signal relay ends the app on SIGTERM
  // before its own handler can drain the requests in flight.
  startService("app", process.execPath, ["--import", "tsx", "server/main.ts"], { ...process.env, NODE_ENV: "production" });
  await waitForPort(config.server.port, "app");
  log(
    `ready in ${Math.round((Date.now() - started) / 1000)} s: ${config.server.publicUrl} (media edge ${config.edge.publicUrl}, ${workers} worker${workers === 1 ? "" : "s"}, database ${embedded ? `embedded on port ${embedded.port}` : "external"})`,
  );
}

interface DatabaseProcess {
  stop(): Promise<void>;
}

/**
 * Starts scripts/database.ts detached: a Ctrl-C in the terminal signals the whole foreground
 * process group, and PostgreSQL must outlive the processes that drain on it. Resolves once the
 * server accepts connections; `onExit` is called if it stops without being asked.
 */
function startDatabaseProcess(onExit: () => void): Promise<DatabaseProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", "scripts/database.ts"], { detached: true, stdio: ["ignore", "inherit", "pipe", "ipc"], env: process.env });
  proc.stderr!.on("data", (c: Buffer) => {
    for (const line of c.toString().split("\n")) if (line.trim()) console.error(`[database] ${line}`);
  });
  let asked = false;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async () => {
    asked = true;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    proc.once("message", (m: { ready?: boolean; error?: string }) => {
      if (m.ready) {
        void exited.then(() => asked || onExit());
        resolve({ stop });
      } else reject(new Error(`PostgreSQL did not start: ${m.error ?? "unknown error"}`));
    });
    proc.once("exit", (code, signal) => reject(new Error(`the database process exited (${code ?? signal}) before PostgreSQL was ready`)));
  });
}

async function waitForPort(port: number, name: string, timeoutMs = 60_000) {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await isListening(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not listen on port ${port} within ${timeoutMs / 1000}s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
