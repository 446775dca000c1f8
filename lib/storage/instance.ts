import "server-only";
import { appConfig } from "@/lib/config";
import { createStorage, type Storage } from "./s3";

/** The app's storage client, built once per process from the configuration. */
const g = globalThis as unknown as { __storage?: Storage };

export function storage(): Storage {
  return (g.__storage ??= createStorage(appConfig().storage));
}

/** For tests: drop the client after changing the environment. */
export function resetStorage(): void {
  g.__storage?.destroy();
  g.__storage = undefined;
}
