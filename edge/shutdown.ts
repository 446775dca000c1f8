/**
 * Graceful shutdown of the edge: stop accepting connections, close idle keep-alive
 * connections at once, let responses in flight finish until a deadline, then cut what is left.
 * While draining, `/_edge/health` answers 503 and every response closes its connection.
 *
 * Connections are tracked here rather than with http.Server's own close()/closeIdleConnections():
 * on Node 20 those destroy every connection whose response has called `end()`, flushed or not,
 * which would truncate a response written with one `res.end(buffer)` (the object cache) or the
 * last chunks of a streamed one.
 */
import type http from "node:http";
import net from "node:net";

interface Tracker {
  /** Responses not yet complete (flushed or aborted) per open connection. */
  inFlight: Map<net.Socket, number>;
  draining: boolean;
}

const trackers = new WeakMap<http.Server, Tracker>();

/** FIN once pending writes are flushed, then release the socket (what Node does for `Connection: close`). */
function closeSoon(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once("finish", () => socket.destroy());
}

/** Counts responses in flight per connection (createEdgeServer calls it); needed by drainAndClose. */
export function trackConnections(server: http.Server): void {
  const tracker: Tracker = { inFlight: new Map(), draining: false };
  server.on("connection", (socket: net.Socket) => {
    tracker.inFlight.set(socket, 0);
    socket.once("close", () => tracker.inFlight.delete(socket));
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    if (!tracker.inFlight.has(socket)) return;
    tracker.inFlight.set(socket, tracker.inFlight.get(socket)! + 1);
    // `close` follows `finish` (the last byte handed to the kernel) or an abort.
    res.once("close", () => {
      if (!tracker.inFlight.has(socket)) return;
      const left = tracker.inFlight.get(socket)! - 1;
      tracker.inFlight.set(socket, left);
      if (tracker.draining && left === 0) closeSoon(socket);
    });
  });
  trackers.set(server, tracker);
}

/** True once `drainAndClose` was called for this server. */
export function isDraining(server: http.Server): boolean {
  return trackers.get(server)?.draining ?? false;
}

export interface DrainResult {
  /** Connections were still open at the deadline and were destroyed. */
  forced: boolean;
  durationMs: number;
}

/**
 * Stops `server` and resolves when its last connection is gone: at once for idle ones, when
 * their last response is complete for busy ones, at `deadlineMs` for whatever is still open.
 */
export function drainAndClose(server: http.Server, { deadlineMs }: { deadlineMs: number }): Promise<DrainResult> {
  const tracker = trackers.get(server);
  if (!tracker) throw new Error("drainAndClose: call trackConnections(server) when creating it");
  tracker.draining = true;
  const started = Date.now();
  return new Promise((resolve) => {
    let forced = false;
    const deadline = setTimeout(() => {
      forced = true;
      for (const socket of tracker.inFlight.keys()) socket.destroy();
    }, deadlineMs);
    // net.Server's close: stop listening, call back when the last connection has closed.
    net.Server.prototype.close.call(server, () => {
      clearTimeout(deadline);
      resolve({ forced, durationMs: Date.now() - started });
    });
    for (const [socket, inFlight] of tracker.inFlight) if (inFlight === 0) closeSoon(socket);
  });
}
