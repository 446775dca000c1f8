import { loadEnvConfig } from "@next/env";

/**
 * Loads `.env`, `.env.local` and the NODE_ENV-specific files from the project root into
 * process.env with `@next/env` — the loader Next.js itself uses, so every process (app, edge,
 * worker, seed, scripts, prisma.config.ts) sees the same values. Variables already in the
 * environment win. Under NODE_ENV=test `.env.local` is skipped (Next's rule), so tests never
 * depend on a developer's local secrets. Idempotent; quiet except for errors.
 */
let loaded = false;

export function loadEnvFiles(root = process.cwd()): void {
  if (loaded) return;
  loaded = true;
  const quiet = { info() {}, error: (...args: unknown[]) => console.error(...args) };
  loadEnvConfig(root, process.env.NODE_ENV !== "production", quiet as unknown as Console);
}
