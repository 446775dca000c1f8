/**
 * State the app's HTTP server (server/main.ts) shares with the routes of the same process:
 * whether it is draining (health answers 503) and how many requests are in flight. Pure.
 */
export interface ServerState {
  draining: boolean;
  inFlight: number;
}

const g = globalThis as unknown as { __lumenServerState?: ServerState };

export function serverState(): ServerState {
  return (g.__lumenServerState ??= { draining: false, inFlight: 0 });
}
