import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SUPERVISOR_PID_VAR } from "@/lib/ops/supervisor";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "supervisor-"));
const child = path.join(dir, "child.ts");
fs.writeFileSync(
  child,
  `import { stopWithSupervisor } from ${JSON.stringify(path.resolve("lib/ops/supervisor.ts"))};
process.on("SIGTERM", () => { console.log("drained on SIGTERM"); process.exit(0); });
stopWithSupervisor(process.env, 50);
console.log("ready");
setInterval(() => {}, 1000);
`,
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the child with `env`; resolves with its output once it exits or after `ms`. */
function runChild(env: Record<string, string>, ms: number): Promise<{ out: string; exited: boolean }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ["--import", "tsx", child], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      resolve({ out, exited: false });
    }, ms);
    proc.on("exit", () => {
      clearTimeout(timer);
      resolve({ out, exited: true });
    });
  });
}

describe("processes started by npm start stop with it", () => {
  it("a child whose supervisor has died sends itself SIGTERM and drains through its own handler", async () => {
    const supervisor = spawn("sleep", ["1"]);
    const result = await runChild({ [SUPERVISOR_PID_VAR]: String(supervisor.pid) }, 15_000);
    expect(result.exited).toBe(true);
    expect(result.out).toContain("ready");
    expect(result.out).toContain("drained on SIGTERM");
  }, 20_000);

  it("without the variable (containers, tests) nothing is watched", async () => {
    const result = await runChild({ [SUPERVISOR_PID_VAR]: "" }, 3_000);
    expect(result.out).toContain("ready");
    expect(result.exited).toBe(false);
  }, 10_000);
});
