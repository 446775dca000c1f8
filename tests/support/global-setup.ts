import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";

/**
 * Builds one template database per test run from the committed migrations (never a
 * hand-written schema); tests/support/setup.ts copies it to a fresh file per test file.
 */
export default function setup(project: TestProject) {
  const dir = path.resolve("var", "test");
  fs.mkdirSync(dir, { recursive: true });
  const runId = `${process.pid}-${Date.now()}`;
  const template = path.join(dir, `template-${runId}.db`);
  execFileSync(path.resolve("node_modules", ".bin", "prisma"), ["migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: `file:${template}` },
    stdio: "pipe",
  });
  project.provide("templateDb", template);
  return () => {
    for (const f of fs.readdirSync(dir)) {
      // Only this run's files: other runs (another terminal, a helper) may be using theirs.
      if (f.startsWith(`template-${runId}`) || f.startsWith(`db-${runId}-`)) fs.rmSync(path.join(dir, f), { force: true });
    }
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    templateDb: string;
  }
}
