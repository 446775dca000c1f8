/**
 * The embedded PostgreSQL server of `npm start`, in a process of its own. scripts/start.ts
 * spawns it detached (a process group of its own), so a Ctrl-C in the terminal reaches the app,
 * the edge and the workers — which drain, still using the database — but not PostgreSQL, which
 * start.ts stops last. Over IPC it answers `{ ready: true }` or `{ error }`; it stops the server
 * on SIGTERM, and also when start.ts goes away without asking (the IPC channel closes).
 */
import { parseConfig } from "../lib/config/schema";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../lib/db/embedded";

async function main() {
  const embedded = parseConfig(process.env).database.embedded;
  if (!embedded || !process.send) {
    console.error("scripts/database.ts is started by scripts/start.ts, for the embedded database only.");
    process.exit(2);
  }
  let server: EmbeddedDatabase | null = null;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server?.stop().catch((err: unknown) => console.error(`stopping PostgreSQL failed: ${String(err)}`));
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop());
  process.on("SIGINT", () => void stop());
  process.on("disconnect", () => void stop());
  try {
    server = await startEmbeddedDatabase({
      ...embedded,
      log: (line) => {
        if (/\b(ERROR|FATAL|PANIC|WARNING)\b/.test(line)) console.error(line);
      },
    });
    process.send({ ready: true });
  } catch (err) {
    process.send({ error: err instanceof Error ? err.message : String(err) }, () => process.exit(1));
  }
}

void main();
