import "server-only";

import http from "node:http";
import type { PrismaClient } from "../lib/generated/prisma/client";

/**
 * The worker's health endpoint for orchestrators (ECS, a load balancer's target group, `npm
 * start`'s operators): GET /health answers 200 when the database answers, else 503 naming what
 * failed; while shutting down it answers 503 "draining". Bound to 127.0.0.1 unless told otherwise.
 */
export interface WorkerState {
  workerId: string;
  busy: boolean;
  processed: number;
  draining: boolean;
}

export async function startHealthServer(o: { port: number; host?: string; db: PrismaClient; state: () => WorkerState }): Promise<{ close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/health") {
      res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "not found" }));
      return;
    }
    const state = o.state();
    let database = "ok";
    try {
      await o.db.$queryRawUnsafe("SELECT 1");
    } catch (err) {
      database = `unreachable: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`;
    }
    const ok = database === "ok" && !state.draining;
    const body = { status: state.draining ? "draining" : ok ? "ok" : "unavailable", database, ...state };
    res.writeHead(ok ? 200 : 503, { "Content-Type": "application/json", "Cache-Control": "no-store" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "127.0.0.1", () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
