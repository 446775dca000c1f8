/**
 * Processes `npm start` runs (storage, edge, workers, app) stop themselves when scripts/start.ts
 * is gone without stopping them (killed with SIGKILL, or crashed): each polls the pid start.ts
 * hands down in SUPERVISOR_PID_VAR and, once it no longer exists, sends itself SIGTERM, which
 * drains exactly as a normal stop does. Outside `npm start` (containers, tests) the variable is
 * unset and nothing is watched. Internal plumbing between start.ts and its children, not
 * configuration: it is not in lib/config.
 */
export const SUPERVISOR_PID_VAR = "LUMEN_SUPERVISOR_PID";

export function stopWithSupervisor(env: NodeJS.ProcessEnv = process.env, intervalMs = 1000): void {
  const pid = Number(env[SUPERVISOR_PID_VAR]);
  if (!Number.isInteger(pid) || pid <= 1) return;
  const timer = setInterval(() => {
    if (isAlive(pid)) return;
    clearInterval(timer);
    console.error(`supervisor (pid ${pid}) is gone: stopping`);
    process.kill(process.pid, "SIGTERM");
  }, intervalMs);
  timer.unref();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (still alive for our purpose).
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
