import { defineConfig, devices } from "@playwright/test";
import { embeddedDatabaseUrl } from "./lib/db/embedded-url";
import { E2E_NEXTAUTH_SECRET } from "./tests/e2e/secrets";

/**
 * E2E against the production build on its own ports and data (var/e2e*), started by
 * `scripts/start.ts --fresh --no-build` (scripts/test.sh builds first). Debian's Chromium.
 */
// E2E_PORT_OFFSET moves every port at once, so two checkouts can run the suite side by side.
const offset = Number(process.env.E2E_PORT_OFFSET ?? 0);
const APP_PORT = 3100 + offset;
const EDGE_PORT = 4100 + offset;
const STORAGE_PORT = 4669 + offset;
const DATABASE_PORT = 5533 + offset;
export const e2e = {
  appUrl: `http://localhost:${APP_PORT}`,
  edgeUrl: `http://localhost:${EDGE_PORT}`,
  storagePort: STORAGE_PORT,
  /** The e2e server's database: tests/e2e/fixtures.ts runs the data factories against it. */
  databaseUrl: embeddedDatabaseUrl(DATABASE_PORT, "lumen"),
  /** A second app instance on the same database and storage (tests/e2e/instances.spec.ts starts it). */
  secondAppUrl: `http://localhost:${APP_PORT + 50}`,
  secondAppPort: APP_PORT + 50,
  /** The server's session secret: the `signInAs` fixture mints session cookies with it. */
  nextAuthSecret: E2E_NEXTAUTH_SECRET,
};

/** The environment of the e2e stack (scripts/start.ts); a second app instance reuses it (instances.spec.ts). */
export const serverEnv: Record<string, string> = {
  PORT: String(APP_PORT),
  HOST: "127.0.0.1",
  NEXTAUTH_URL: e2e.appUrl,
  NEXTAUTH_SECRET: e2e.nextAuthSecret,
  // Its own embedded PostgreSQL cluster (var/e2e-pg, database lumen), reset by --fresh.
  EMBEDDED_DB_PORT: String(DATABASE_PORT),
  EMBEDDED_DB_DIR: "var/e2e-pg",
  STORAGE_DIR: "var/e2e-storage",
  // The stack's logs: tests/e2e/media.spec.ts scans them for secrets.
  LOG_DIR: "var/e2e-log",
  STORAGE_PORT: String(STORAGE_PORT),
  EDGE_PORT: String(EDGE_PORT),
  MEDIA_BASE_URL: e2e.edgeUrl,
  EDGE_CORS_ORIGINS: e2e.appUrl,
  // Short TTLs so expiry and cookie refresh can be observed within a test.
  MEDIA_TTL_DOWNLOAD_SECONDS: "6",
  MEDIA_TTL_STREAM_SECONDS: "12",
  AUTH_MAX_FAILURES: "5",
};

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: "playwright-report" }]],
  use: {
    baseURL: e2e.appUrl,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"], channel: undefined } }],
  webServer: {
    command: "npx tsx scripts/start.ts --fresh --no-build",
    url: `${e2e.appUrl}/courses`,
    timeout: 180_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    env: serverEnv,
  },
});
