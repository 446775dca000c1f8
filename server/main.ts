/**
 * The app process: Next.js (production build in .next) behind a plain Node HTTP server.
 *
 *   tsx server/main.ts            (npm start runs it; the Dockerfile's app image too)
 *
 * What this adds around Next's request handler:
 * - the client address, computed once from the socket and TRUST_PROXY_HOPS trusted proxies
 *   (lib/ops/client-ip.ts), passed to the app in the `x-lumen-client-ip` header (any value a
 *   client sends in that header is replaced);
 * - graceful shutdown on SIGTERM/SIGINT: /api/health answers 503 "draining" so a load balancer
 *   stops routing here; every response from then on closes its connection; requests in flight
 *   finish (APP_SHUTDOWN_SECONDS, default 20); the listening socket closes once they have (so
 *   nothing already queued is reset), idle keep-alive connections are closed, then the process
 *   exits.
 *
 * Runs without the react-server condition (Next loads its own bundles); it imports only the
 * pure configuration schema.
 */
import http from "node:http";
import net from "node:net";
import { loadEnvFiles } from "../lib/config/env-files";
import { parseConfig } from "../lib/config/schema";
import { CLIENT_IP_HEADER, clientAddress } from "../lib/ops/client-ip";
import { serverState } from "../lib/ops/server-state";
import { stopWithSupervisor } from "../lib/ops/supervisor";

/** After a SIGTERM, connections are accepted at least this long (and while requests are in flight), */
const ACCEPT_GRACE_MS = 1000;
/** ... and idle keep-alive connections are closed this long after that. */
const IDLE_GRACE_MS = 1000;

async function main(): Promise<void> {
  // Like `next start`: a production server (read before Next is loaded).
  (process.env as Record<string, string>).NODE_ENV ??= "production";
  loadEnvFiles();
  const { default: next } = await import("next");
  const config = parseConfig(process.env);
  const { port, host, trustProxyHops, shutdownSeconds } = config.server;
  const app = next({ dev: false, dir: process.cwd(), hostname: host, port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const state = serverState();

  const server = http.createServer((req, res) => {
    state.inFlight++;
    res.once("close", () => state.inFlight--);
    req.headers[CLIENT_IP_HEADER] = clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"], trustProxyHops);
    // While draining, every response (also of requests that arrived before) closes its connection.
    const writeHead = res.writeHead;
    res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
      if (state.draining && !this.headersSent) this.setHeader("Connection", "close");
      return writeHead.apply(this, args);
    } as typeof writeHead;
    void handle(req, res);
  });
  // Longer than a load balancer's idle timeout (ALB: 60 s), so it never reuses a socket we closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  console.log(`app: listening on http://${host}:${port} (${config.server.publicUrl}; ${trustProxyHops} trusted proxy hop(s))`);

  const shutdown = (signal: NodeJS.Signals) => {
    if (state.draining) return;
    state.draining = true;
    console.log(`app: ${signal}, draining ${state.inFlight} request(s) (up to ${shutdownSeconds}s)`);
    const started = Date.now();
    const deadline = started + shutdownSeconds * 1000;
    let listening = true;
    const tick = setInterval(() => {
      // Keep accepting while requests are in flight (and for a moment after the signal): a
      // connection already in the accept queue is served, with `Connection: close`, instead of
      // being reset; the load balancer meanwhile sees /api/health answer 503 and stops sending.
      // `net.Server#close` stops listening without touching open connections (Node's
      // `http.Server#close` would also cut keep-alive connections whose response is still
      // being flushed).
      const settled = state.inFlight === 0 && Date.now() - started > ACCEPT_GRACE_MS;
      if (listening && (settled || Date.now() >= deadline)) {
        listening = false;
        net.Server.prototype.close.call(server);
      }
      if (Date.now() - started > ACCEPT_GRACE_MS + IDLE_GRACE_MS) server.closeIdleConnections();
      if (listening || (state.inFlight > 0 && Date.now() < deadline)) return;
      clearInterval(tick);
      if (state.inFlight > 0) console.log(`app: ${state.inFlight} request(s) still running after ${shutdownSeconds}s, closing them`);
      server.closeAllConnections();
      process.exit(0);
    }, 50);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  stopWithSupervisor();
}

main().catch((err: unknown) => {
  console.error("app: failed to start:", err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
