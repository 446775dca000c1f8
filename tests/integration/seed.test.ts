import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { DEMO_PASSWORD } from "@/prisma/seed-data";
import { seed, type SeedResult } from "@/prisma/seed";

describe("demo seed", () => {
  it("refuses to create the demo accounts (a published password) unless APP_ENV=local, and says why", async () => {
    const error = await seed(db, { appEnv: "aws" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^Refusing to create the demo data with APP_ENV=aws: .*administrator.*APP_ENV=local/);
    expect((error as Error).message).toContain(DEMO_PASSWORD);
    expect(await db.user.count()).toBe(0);
  });

  it("the seed command exits with that message outside APP_ENV=local", () => {
    const run = spawnSync(path.resolve("node_modules/.bin/tsx"), ["--conditions=react-server", "prisma/seed.ts"], {
      env: { ...process.env, APP_ENV: "aws", SEED_MEDIA: "0" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Refusing to create the demo data with APP_ENV=aws/);
  });

  it("locally, it generates the demo access codes with readable prefixes", async () => {
    const r = (await seed(db, { appEnv: "local" })) as SeedResult;
    expect(r.created).toBe(true);
    expect(r.codes["cloud-security"]).toMatchObject({ code: expect.stringMatching(/^CLOUD(-[0-9A-HJKMNP-TV-Z]{4}){4}$/), maxUses: 5 });
    expect(r.codes["video-production"]).toMatchObject({ code: expect.stringMatching(/^VIDEO(-[0-9A-HJKMNP-TV-Z]{4}){4}$/), maxUses: 1 });
    expect(await db.accessCode.count({ where: { code: { in: ["CLOUD-2026", "VIDEO-ONCE"] } } })).toBe(0);
  });
});
