/**
 * Runs the data factories against one database for a process that cannot load the Prisma client
 * itself: Playwright's test loader compiles TypeScript to CommonJS, and the generated client is
 * an ES module (`import.meta`). tests/e2e/fixtures.ts forks this file with tsx and the
 * react-server condition (like the app's own Node processes) and talks to it over IPC:
 *
 *   parent -> { id, fn, args }         fn: a key of `factories`
 *   child  -> { id, ok: true, value } | { id, ok: false, error }
 *
 * The database is DATABASE_URL (the e2e server's, from playwright.config.ts). The child exits
 * when the parent disconnects.
 */
import { createPrismaClient } from "@/lib/db";
import { factories, type Factories } from "./factories";

type Request = { id: number; fn: keyof Factories; args: unknown[] };

const url = process.env.DATABASE_URL;
if (!url) throw new Error("factory-process: DATABASE_URL is not set");
if (!process.send) throw new Error("factory-process: start it with an IPC channel (child_process.fork)");
const db = createPrismaClient(url);

process.on("message", async (msg: Request) => {
  const { id, fn, args } = msg;
  try {
    const f = factories[fn] as (...a: unknown[]) => Promise<unknown>;
    if (typeof f !== "function") throw new Error(`factory-process: unknown factory ${String(fn)}`);
    process.send!({ id, ok: true, value: await f(db, ...args) });
  } catch (e) {
    process.send!({ id, ok: false, error: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  }
});

process.on("disconnect", () => {
  void db.$disconnect().finally(() => process.exit(0));
});

process.send({ ready: true });
