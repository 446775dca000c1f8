/**
 * Small data factories: a test states the users, courses and enrolments it needs instead of
 * leaning on the demo seed's story.
 *
 * Every function takes the Prisma client first and uses plain Prisma calls only (no SQL, no
 * engine-specific feature), so the same factories run against any database engine:
 *   - integration tests (vitest): `db` from "@/lib/db" (a fresh database per test file);
 *   - e2e tests (Playwright): the `factories` fixture of tests/e2e/fixtures.ts, which runs these
 *     functions against the e2e server's database (`e2e.databaseUrl` in playwright.config.ts).
 * Arguments and results are plain data (ids, strings, dates) so they cross a process boundary.
 * The one exception to "no SQL" is `disableUser`, which says why.
 */
import crypto from "node:crypto";
import { hash } from "@node-rs/argon2";
import { accessCodeLookupKey, generateAccessCode } from "@/lib/enrollments/codes";
import type { PrismaClient } from "@/lib/generated/prisma/client";

export type Role = "STUDENT" | "INSTRUCTOR" | "ADMIN";

export interface UserRef {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** User.sessionVersion when read: a session minted for the user carries it (JWT `sv`). */
  sessionVersion: number;
}

export interface LessonRef {
  id: string;
  title: string;
  isFreePreview: boolean;
  availableFrom: Date | null;
}

export interface CourseRef {
  id: string;
  slug: string;
  title: string;
  published: boolean;
  isFree: boolean;
  /** The instructors teaching it (the first one is the one passed to createCourse). */
  instructorIds: string[];
  /** All lessons of the course in syllabus order. */
  lessons: LessonRef[];
}

/** The enrolment states tests ask for (all against `now`). */
export type EnrolmentState = "active" | "revoked" | "expired" | "expires-soon";

export interface EnrolmentRef {
  id: string;
  userId: string;
  courseId: string;
  status: "ACTIVE" | "REVOKED";
  expiresAt: Date | null;
}

/** A short suffix unique across test files, workers and processes. */
export function unique(prefix = "t"): string {
  return `${prefix}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString("hex")}`;
}

/** The same argon2id parameters as lib/auth/password.ts, so a factory user signs in like a real one. */
const ARGON2 = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * A user. Without `password` the account has no password hash (it cannot use the sign-in form;
 * e2e tests sign it in with the `signInAs` fixture).
 */
export async function createUser(
  db: PrismaClient,
  opts: { role?: Role; email?: string; name?: string; password?: string } = {},
): Promise<UserRef> {
  const role = opts.role ?? "STUDENT";
  const email = (opts.email ?? `${unique(role.toLowerCase())}@example.com`).toLowerCase();
  const name = opts.name ?? `Test ${role.charAt(0)}${role.slice(1).toLowerCase()} ${email.split("@")[0].slice(-6)}`;
  const passwordHash = opts.password ? await hash(opts.password, ARGON2) : null;
  const u = await db.user.create({ data: { email, name, role, passwordHash } });
  return userRef(u);
}

function userRef(u: UserRef): UserRef {
  return { id: u.id, email: u.email, name: u.name, role: u.role, sessionVersion: u.sessionVersion };
}

export interface LessonSpec {
  title?: string;
  body?: string;
  isFreePreview?: boolean;
  availableFrom?: Date | null;
}

/**
 * A course taught by `instructor`, with one section holding `lessons` (a count, or one spec per
 * lesson). Published and paid unless told otherwise.
 */
export async function createCourse(
  db: PrismaClient,
  opts: {
    instructor: { id: string };
    title?: string;
    slug?: string;
    published?: boolean;
    isFree?: boolean;
    lessons?: number | LessonSpec[];
  },
): Promise<CourseRef> {
  const slug = opts.slug ?? unique("course");
  const title = opts.title ?? `Course ${slug}`;
  const published = opts.published ?? true;
  const isFree = opts.isFree ?? false;
  const specs: LessonSpec[] = typeof opts.lessons === "number" || opts.lessons === undefined ? Array.from({ length: opts.lessons ?? 1 }, () => ({})) : opts.lessons;
  const course = await db.course.create({
    data: {
      slug,
      title,
      summary: `${title}: a course created by a test factory.`,
      isFree,
      priceCents: isFree ? null : 1900,
      published,
      publishedAt: published ? new Date() : null,
      instructors: { create: { userId: opts.instructor.id } },
    },
  });
  const section = await db.section.create({ data: { courseId: course.id, title: "Section 1", position: 1 } });
  const lessons: LessonRef[] = [];
  for (const [i, spec] of specs.entries()) {
    const lessonTitle = spec.title ?? `Lesson ${i + 1}`;
    const l = await db.lesson.create({
      data: {
        sectionId: section.id,
        position: i + 1,
        title: lessonTitle,
        body: spec.body ?? `The body of “${lessonTitle}”.`,
        isFreePreview: spec.isFreePreview ?? false,
        availableFrom: spec.availableFrom ?? null,
      },
    });
    lessons.push({ id: l.id, title: l.title, isFreePreview: l.isFreePreview, availableFrom: l.availableFrom });
  }
  return { id: course.id, slug, title, published, isFree, instructorIds: [opts.instructor.id], lessons };
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/**
 * Puts `user` in `course` in the given state, creating or replacing the enrolment:
 * - "active": no end date;
 * - "revoked": revoked by staff (now);
 * - "expired": ended a day ago;
 * - "expires-soon": still open, ends in an hour (or at `expiresAt`).
 * Free courses record a FREE enrolment, paid ones a GRANT by the course's first instructor.
 */
export async function enrol(
  db: PrismaClient,
  user: { id: string },
  course: { id: string },
  state: EnrolmentState = "active",
  opts: { now?: Date; expiresAt?: Date } = {},
): Promise<EnrolmentRef> {
  const now = opts.now ?? new Date();
  const c = await db.course.findUniqueOrThrow({ where: { id: course.id }, select: { isFree: true, instructors: { select: { userId: true }, take: 1 } } });
  const expiresAt =
    state === "expired" ? (opts.expiresAt ?? new Date(now.getTime() - DAY)) : state === "expires-soon" ? (opts.expiresAt ?? new Date(now.getTime() + HOUR)) : null;
  const fields = {
    status: state === "revoked" ? ("REVOKED" as const) : ("ACTIVE" as const),
    source: c.isFree ? ("FREE" as const) : ("GRANT" as const),
    grantedById: c.isFree ? null : (c.instructors[0]?.userId ?? null),
    expiresAt,
    revokedAt: state === "revoked" ? now : null,
  };
  const e = await db.enrollment.upsert({
    where: { userId_courseId: { userId: user.id, courseId: course.id } },
    create: { userId: user.id, courseId: course.id, ...fields },
    update: fields,
  });
  return { id: e.id, userId: e.userId, courseId: e.courseId, status: e.status, expiresAt: e.expiresAt };
}

/**
 * An access code for `course`: `code` as given (stored upper-case, with the lookup key the app
 * computes), or one generated as the app generates them.
 */
export async function createAccessCode(
  db: PrismaClient,
  course: { id: string },
  opts: { code?: string; maxUses?: number; expiresAt?: Date | null } = {},
): Promise<{ id: string; code: string; maxUses: number }> {
  const code = (opts.code ?? generateAccessCode("TEST")).toUpperCase();
  const ac = await db.accessCode.create({
    data: { courseId: course.id, code, lookupKey: accessCodeLookupKey(code), maxUses: opts.maxUses ?? 1, expiresAt: opts.expiresAt ?? null },
  });
  return { id: ac.id, code: ac.code, maxUses: ac.maxUses };
}

/** An existing user by email (e.g. a demo login); throws when there is none. */
export async function findUser(db: PrismaClient, email: string): Promise<UserRef> {
  const u = await db.user.findUnique({ where: { email: email.toLowerCase() } });
  if (!u) throw new Error(`No user with email ${email}`);
  return userRef(u);
}

/** An existing course by slug (e.g. a demo course whose media the seed transcoded). */
export async function findCourse(db: PrismaClient, slug: string): Promise<CourseRef> {
  const c = await db.course.findUnique({
    where: { slug },
    include: { instructors: { select: { userId: true }, orderBy: { createdAt: "asc" } }, sections: { orderBy: { position: "asc" }, include: { lessons: { orderBy: { position: "asc" } } } } },
  });
  if (!c) throw new Error(`No course with slug ${slug}`);
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    published: c.published,
    isFree: c.isFree,
    instructorIds: c.instructors.map((i) => i.userId),
    lessons: c.sections.flatMap((s) => s.lessons.map((l) => ({ id: l.id, title: l.title, isFreePreview: l.isFreePreview, availableFrom: l.availableFrom }))),
  };
}

/** How many lessons of `course` the user has completed (what the dashboard counts). */
export async function completedLessons(db: PrismaClient, user: { id: string }, course: { id: string }): Promise<number> {
  return db.lessonProgress.count({ where: { userId: user.id, completed: true, lesson: { section: { courseId: course.id } } } });
}

/** Object key of the lesson's current video's master playlist (the seed transcoded the demo videos). */
export async function lessonVideoKey(db: PrismaClient, lessonId: string): Promise<string> {
  const lesson = await db.lesson.findUniqueOrThrow({ where: { id: lessonId }, select: { video: { select: { storageKey: true, status: true } } } });
  if (lesson.video?.status !== "READY") throw new Error(`Lesson ${lessonId} has no ready video`);
  return lesson.video.storageKey;
}

/** Adds `user` as an instructor of `course` (a co-instructor: the course keeps its other instructors). */
export async function addInstructor(db: PrismaClient, course: { id: string }, user: { id: string }): Promise<void> {
  await db.courseInstructor.upsert({
    where: { courseId_userId: { courseId: course.id, userId: user.id } },
    create: { courseId: course.id, userId: user.id },
    update: {},
  });
}

/** Appends a paragraph to a lesson's body (e.g. a sentence a test then looks for in responses). */
export async function appendToLessonBody(db: PrismaClient, lessonId: string, text: string): Promise<void> {
  const lesson = await db.lesson.findUniqueOrThrow({ where: { id: lessonId }, select: { body: true } });
  await db.lesson.update({ where: { id: lessonId }, data: { body: `${lesson.body}\n\n${text}` } });
}

/** A new section at the end of `course`, holding `lessons` (a count, or one spec per lesson). */
export async function addSection(
  db: PrismaClient,
  course: { id: string },
  opts: { title?: string; lessons?: number | LessonSpec[] } = {},
): Promise<{ id: string; title: string; position: number; lessons: LessonRef[] }> {
  const last = await db.section.findFirst({ where: { courseId: course.id }, orderBy: { position: "desc" }, select: { position: true } });
  const position = (last?.position ?? 0) + 1;
  const section = await db.section.create({ data: { courseId: course.id, title: opts.title ?? `Section ${position}`, position } });
  const specs: LessonSpec[] = typeof opts.lessons === "number" || opts.lessons === undefined ? Array.from({ length: opts.lessons ?? 0 }, () => ({})) : opts.lessons;
  const lessons: LessonRef[] = [];
  for (const [i, spec] of specs.entries()) {
    const title = spec.title ?? `Lesson ${position}.${i + 1}`;
    const l = await db.lesson.create({
      data: { sectionId: section.id, position: i + 1, title, body: spec.body ?? `The body of “${title}”.`, isFreePreview: spec.isFreePreview ?? false, availableFrom: spec.availableFrom ?? null },
    });
    lessons.push({ id: l.id, title: l.title, isFreePreview: l.isFreePreview, availableFrom: l.availableFrom });
  }
  return { id: section.id, title: section.title, position, lessons };
}

/**
 * An asset row without stored bytes, in the state a test needs (e.g. a FAILED attachment to
 * delete, or a FAILED video whose transcode can be retried: `failedTranscode` records the
 * failure and the Upload row a retry reads its source from). Keys follow lib/storage/keys.ts.
 */
export async function createAsset(
  db: PrismaClient,
  opts: {
    courseId: string;
    lessonId: string;
    kind: "VIDEO" | "ATTACHMENT";
    status: "UPLOADING" | "PROCESSING" | "READY" | "FAILED";
    fileName?: string;
    failedTranscode?: { uploadedBy: { id: string } };
  },
): Promise<{ id: string; storageKey: string }> {
  const a = await db.asset.create({
    data: {
      kind: opts.kind,
      status: opts.status,
      courseId: opts.courseId,
      lessonId: opts.lessonId,
      storageKey: "pending",
      contentType: opts.kind === "VIDEO" ? "application/vnd.apple.mpegurl" : "text/plain",
      fileName: opts.fileName ?? (opts.kind === "VIDEO" ? "video.mp4" : "notes.txt"),
      bytes: 16,
      error: opts.status === "FAILED" ? "Failed in a test." : null,
      transcodeFailedAt: opts.failedTranscode ? new Date() : null,
    },
  });
  const folder = `courses/${opts.courseId}/lessons/${opts.lessonId}/`;
  const storageKey = opts.kind === "VIDEO" ? `${folder}video/${a.id}/master.m3u8` : `${folder}attachments/${a.id}.txt`;
  await db.asset.update({ where: { id: a.id }, data: { storageKey } });
  if (opts.failedTranscode) {
    await db.upload.create({
      data: {
        assetId: a.id,
        userId: opts.failedTranscode.uploadedBy.id,
        key: `sources/courses/${opts.courseId}/${a.id}.mp4`,
        fileName: "video.mp4",
        contentType: "video/mp4",
        bytes: 16,
        expiresAt: new Date(Date.now() + 24 * 60 * 60 * 1000),
      },
    });
  }
  return { id: a.id, storageKey };
}

/** Changes a user's role (e.g. an instructor demoted to student); courses they teach keep listing them. */
export async function setRole(db: PrismaClient, user: { id: string }, role: Role): Promise<UserRef> {
  const u = await db.user.update({ where: { id: user.id }, data: { role } });
  return { id: u.id, email: u.email, name: u.name, role: u.role, sessionVersion: u.sessionVersion };
}

/** Deletes a course and everything in it (sections, lessons, enrolments, codes, asset rows; not stored objects). */
export async function deleteCourse(db: PrismaClient, course: { id: string }): Promise<void> {
  await db.course.deleteMany({ where: { id: course.id } });
}

/** Removes `user`'s enrolment in `course`, if any (back to "not enrolled"). */
export async function unenrol(db: PrismaClient, user: { id: string }, course: { id: string }): Promise<void> {
  await db.enrollment.deleteMany({ where: { userId: user.id, courseId: course.id } });
}

/**
 * Disables an account (`User.disabled`). Raw SQL, the one exception to "plain Prisma calls
 * only": the column comes with the sessions change, and until its migration is applied this
 * fails with `column "disabled" of relation "User" does not exist` instead of leaving an
 * account that is not disabled at all. Once the column is in the schema, this can become
 * `db.user.update({ where: { id }, data: { disabled: true } })`.
 */
export async function disableUser(db: PrismaClient, user: { id: string }): Promise<void> {
  await db.$executeRaw`UPDATE "User" SET "disabled" = true WHERE "id" = ${user.id}`;
}

/** Tables tests read back (e.g. to check what an action changed). */
export type RowModel = "course" | "section" | "lesson" | "enrollment" | "accessCode" | "asset" | "upload" | "lessonProgress";

/** The rows of `model` matching a Prisma `where` (plain objects: columns only). */
export async function findRows(db: PrismaClient, model: RowModel, where: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const delegate = db[model] as unknown as { findMany(args: { where: Record<string, unknown> }): Promise<Record<string, unknown>[]> };
  return delegate.findMany({ where });
}

/** Every factory by name: the e2e helper process dispatches on this. */
export const factories = {
  createUser,
  createCourse,
  enrol,
  createAccessCode,
  findUser,
  findCourse,
  completedLessons,
  lessonVideoKey,
  addInstructor,
  appendToLessonBody,
  addSection,
  createAsset,
  setRole,
  deleteCourse,
  unenrol,
  disableUser,
  findRows,
};
export type Factories = typeof factories;
