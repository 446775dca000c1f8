import "server-only";
import { loadEnvFiles } from "./env-files";
import { ConfigError, parseConfig, problemsFor, type Config, type Env, type ProcessName } from "./schema";

export { ConfigError, DEV_NEXTAUTH_SECRET, parseConfig, problemsFor, type Config, type Env, type ProcessName } from "./schema";
export { loadEnvFiles } from "./env-files";

/**
 * The configuration of this process, parsed once from the environment (and `.env` files).
 * Every process asks for its own slice, which checks what that process needs:
 *
 *   appConfig()     pages, route handlers, actions (Next.js)
 *   edgeConfig()    edge/main.ts
 *   workerConfig()  worker/main.ts
 *   storageServerConfig(), seedConfig()  scripts/storage.ts, prisma/seed.ts
 *
 * Tests change process.env and call resetConfig().
 */
const g = globalThis as unknown as { __config?: Config; __configSlices?: Map<ProcessName, unknown> };

export function loadConfig(env: Env = process.env): Config {
  if (env === process.env) {
    loadEnvFiles();
    return (g.__config ??= parseConfig(process.env));
  }
  return parseConfig(env);
}

function sliceFor<K extends keyof Config>(process_: ProcessName, keys: readonly K[]) {
  type Slice = Pick<Config, K | "appEnv" | "nodeEnv">;
  const build = (config: Config): Slice => {
    const problems = problemsFor(process_, config);
    if (problems.length) throw new ConfigError(problems);
    const out = { appEnv: config.appEnv, nodeEnv: config.nodeEnv } as Slice;
    for (const k of keys) (out as Record<string, unknown>)[k] = config[k];
    return out;
  };
  return (env?: Env): Slice => {
    if (env && env !== process.env) return build(parseConfig(env));
    const slices = (g.__configSlices ??= new Map());
    if (!slices.has(process_)) slices.set(process_, build(loadConfig()));
    return slices.get(process_) as Slice;
  };
}

export const appConfig = sliceFor("app", ["server", "database", "auth", "redeem", "storage", "media", "signing", "audit"] as const);
export const edgeConfig = sliceFor("edge", ["edge", "storage", "signing"] as const);
export const workerConfig = sliceFor("worker", ["worker", "database", "storage", "audit"] as const);
export const storageServerConfig = sliceFor("storage-server", ["storageServer", "storage"] as const);
export const seedConfig = sliceFor("seed", ["database", "storage", "seed", "worker"] as const);

/** For tests: forget the parsed configuration after changing process.env. */
export function resetConfig(): void {
  g.__config = undefined;
  g.__configSlices = undefined;
}
