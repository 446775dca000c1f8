/**
 * Demo data for the embedded default; run by `npm start` on first start (and by the e2e
 * setup). Idempotent: it does nothing when the demo admin already exists.
 *
 * Only with APP_ENV=local: the demo accounts (an administrator among them) share a password
 * published in the README, so anywhere else the seed refuses to create them.
 *
 *   tsx --conditions=react-server prisma/seed.ts
 */
import { hash } from "@node-rs/argon2";
import { accessCodeLookupKey, generateAccessCode } from "@/lib/enrollments/codes";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { DEMO_PASSWORD, demoAccessCodes, demoCourses, demoUsers } from "./seed-data";

const DAY = 24 * 60 * 60 * 1000;

export interface SeedResult {
  created: boolean;
  users: Record<keyof typeof demoUsers, string>;
  courses: Record<string, { id: string; lessons: { id: string; title: string; video: boolean }[] }>;
  /** The generated demo access codes by course slug. */
  codes: Record<string, { code: string; maxUses: number }>;
}

/** Thrown when the demo seed is asked to run outside APP_ENV=local. */
export class DemoSeedRefused extends Error {
  constructor(appEnv: string) {
    super(
      `Refusing to create the demo data with APP_ENV=${appEnv}: its accounts, an administrator among them, use the password ` +
        `published in the README ("${DEMO_PASSWORD}"). The demo seed runs only with APP_ENV=local; create real accounts instead.`,
    );
    this.name = "DemoSeedRefused";
  }
}

export interface SeedOptions {
  now?: Date;
  /** Where this runs (default: APP_ENV from the configuration); anything but "local" is refused. */
  appEnv?: string;
}

export async function seed(db: PrismaClient, options: SeedOptions = {}): Promise<SeedResult | { created: false }> {
  const appEnv = options.appEnv ?? (await import("@/lib/config")).loadConfig().appEnv;
  if (appEnv !== "local") throw new DemoSeedRefused(appEnv);
  const now = options.now ?? new Date();
  if (await db.user.findUnique({ where: { email: demoUsers.admin.email } })) return { created: false };

  const passwordHash = await hash(DEMO_PASSWORD, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
  const users = {} as Record<keyof typeof demoUsers, string>;
  for (const [key, u] of Object.entries(demoUsers) as [keyof typeof demoUsers, (typeof demoUsers)[keyof typeof demoUsers]][]) {
    users[key] = (await db.user.create({ data: { ...u, passwordHash } })).id;
  }

  const courses: SeedResult["courses"] = {};
  for (const c of demoCourses) {
    const course = await db.course.create({
      data: {
        slug: c.slug,
        title: c.title,
        summary: c.summary,
        description: c.description,
        isFree: c.isFree,
        priceCents: c.priceCents,
        published: true,
        publishedAt: now,
        instructors: { create: { userId: users.instructor } },
      },
    });
    const lessons: SeedResult["courses"][string]["lessons"] = [];
    for (const [si, s] of c.sections.entries()) {
      const section = await db.section.create({ data: { courseId: course.id, title: s.title, position: si + 1 } });
      for (const [li, l] of s.lessons.entries()) {
        const lesson = await db.lesson.create({
          data: {
            sectionId: section.id,
            position: li + 1,
            title: l.title,
            body: l.body,
            isFreePreview: l.isFreePreview ?? false,
            availableFrom: l.availableInDays ? new Date(now.getTime() + l.availableInDays * DAY) : null,
          },
        });
        lessons.push({ id: lesson.id, title: lesson.title, video: l.video ?? false });
      }
    }
    courses[c.slug] = { id: course.id, lessons };
  }

  const codes: SeedResult["codes"] = {};
  for (const ac of demoAccessCodes) {
    const code = generateAccessCode(ac.prefix);
    await db.accessCode.create({
      data: { courseId: courses[ac.course].id, code, lookupKey: accessCodeLookupKey(code), maxUses: ac.maxUses, createdById: users.instructor },
    });
    codes[ac.course] = { code, maxUses: ac.maxUses };
  }

  // Sam: enrolled in the free course and (granted) in the cloud security course.
  await db.enrollment.create({ data: { userId: users.student, courseId: courses["sql-basics"].id, source: "FREE" } });
  await db.enrollment.create({
    data: { userId: users.student, courseId: courses["cloud-security"].id, source: "GRANT", grantedById: users.instructor },
  });
  // Eli: a cloud security enrolment that expired yesterday.
  await db.enrollment.create({
    data: {
      userId: users.expired,
      courseId: courses["cloud-security"].id,
      source: "GRANT",
      grantedById: users.instructor,
      expiresAt: new Date(now.getTime() - DAY),
    },
  });
  return { created: true, users, courses, codes };
}

async function main() {
  const { seedConfig } = await import("@/lib/config");
  const config = seedConfig();
  const { createPrismaClient } = await import("@/lib/db");
  const db = createPrismaClient(config.database.url);
  try {
    const result = await seed(db, { appEnv: config.appEnv });
    if (!result.created) {
      console.log("Demo data already present: seed skipped.");
      return;
    }
    console.log("Demo access codes (also listed on each course's Students page, /instructor):");
    for (const [slug, { code, maxUses }] of Object.entries((result as SeedResult).codes)) {
      const title = demoCourses.find((c) => c.slug === slug)?.title ?? slug;
      console.log(`  ${code}  ${title}, ${maxUses} use${maxUses === 1 ? "" : "s"}`);
    }
    if (config.seed.media) {
      const started = Date.now();
      const { createStorage } = await import("@/lib/storage/s3");
      const { seedMedia } = await import("./seed-media");
      const storage = createStorage(config.storage);
      try {
        await seedMedia(db, storage, (result as SeedResult).courses);
      } finally {
        storage.destroy();
      }
      console.log(`Generated demo media with ffmpeg in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    }
    console.log("Seeded demo data.");
  } finally {
    await db.$disconnect();
  }
}

if (process.argv[1] && /prisma[\\/]seed\.ts$/.test(process.argv[1])) {
  main().catch((e) => {
    console.error(e instanceof DemoSeedRefused ? e.message : e);
    process.exit(1);
  });
}
