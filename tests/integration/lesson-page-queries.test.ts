import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMediaEnv } from "../support/media-fixture";

/**
 * How many SQL statements one lesson view costs. Counted with Prisma's query events
 * (`log: [{ emit: "event", level: "query" }]` + `$on("query")`): one event per SQL statement
 * the client sends through the driver adapter (checked: Prisma 6.19, engineType "client",
 * better-sqlite3 adapter). A Prisma operation with nested relations is several statements on a
 * database without relation joins (SQLite): one per table it reads.
 *
 * The page (app/courses/[slug]/lessons/[lessonId]/page.tsx) and its generateMetadata both call
 * loadLessonView, which React `cache` memoizes per server request; outside a request (here)
 * `cache` does not memoize, so the test loads the view once and derives the metadata from it,
 * as the page does.
 */

const media = await startMediaEnv({ MEDIA_DELIVERY: "cloudfront", MEDIA_HLS_AUTH: "cookies" });

const counter = vi.hoisted(() => ({ statements: [] as string[] }));
vi.mock("@/lib/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/db")>();
  const db = actual.createPrismaClient(undefined, { log: [{ emit: "event", level: "query" }] });
  (db as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => counter.statements.push(e.query));
  return { ...actual, db };
});

const { db } = await import("@/lib/db");
const { seed } = await import("@/prisma/seed");
const { loadLessonView, lessonViewTitle } = await import("@/lib/courses/queries");
const { lessonVideoMasterKey, lessonVideoObjectKey, lessonAttachmentKey } = await import("@/lib/storage/keys");

type Seeded = { courses: Record<string, { id: string; lessons: { id: string }[] }>; users: Record<string, string> };
let s: Seeded;
let lessonId: string;
const student = () => ({ id: s.users.student, role: "STUDENT" as const });

/** The table a statement reads first (FROM …), whatever the SQL dialect quotes it with. */
const tableOf = (sql: string) => /\bFROM\s+(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?/i.exec(sql)?.[1] ?? "?";

async function count<T>(fn: () => Promise<T>): Promise<{ value: T; tables: string[] }> {
  counter.statements.length = 0;
  const value = await fn();
  return { value, tables: counter.statements.map(tableOf) };
}

beforeAll(async () => {
  s = (await seed(db)) as unknown as Seeded;
  const courseId = s.courses["cloud-security"].id;
  lessonId = s.courses["cloud-security"].lessons[1].id; // paid, not a preview: the student is enrolled
  const video = await db.asset.create({
    data: {
      kind: "VIDEO",
      status: "READY",
      courseId,
      lessonId,
      storageKey: lessonVideoMasterKey(courseId, lessonId, "v1"),
      contentType: "application/vnd.apple.mpegurl",
      durationSeconds: 120,
    },
  });
  await db.lesson.update({ where: { id: lessonId }, data: { videoAssetId: video.id } });
  await db.asset.create({
    data: { kind: "CAPTION", status: "READY", courseId, lessonId, storageKey: lessonVideoObjectKey(courseId, lessonId, "v1", "captions/en.vtt"), contentType: "text/vtt", language: "en", label: "English" },
  });
  await db.asset.create({
    data: { kind: "ATTACHMENT", status: "READY", courseId, lessonId, storageKey: lessonAttachmentKey(courseId, lessonId, "a1", "pdf"), contentType: "application/pdf", fileName: "worksheet.pdf", bytes: 2048n },
  });
  await db.lessonProgress.create({ data: { userId: s.users.student, lessonId, lastPositionSeconds: 42 } });
});

afterAll(async () => {
  await db.$disconnect();
  await media.stop();
});

describe("one lesson view", () => {
  it("loads outline, access, lesson, progress and media for an enrolled student in 7 SQL statements, deciding access once", async () => {
    const { value: view, tables } = await count(() => loadLessonView(student(), "cloud-security", lessonId));

    // Everything the page renders came back.
    expect(lessonViewTitle(view)).toBe("Signed URLs and signed cookies · Practical Cloud Security");
    expect(view.access.decision).toEqual({ allowed: true, reason: "enrolled" });
    expect(view.lesson.body).toContain("CloudFront signed URLs");
    expect(view.course.sections.flatMap((x) => x.lessons)).toHaveLength(4);
    expect(view.progress).toEqual({ completed: false, lastPositionSeconds: 42 });
    expect(view.media?.video?.manifestUrl).toContain("/master.m3u8");
    expect(view.media?.captions).toHaveLength(1);
    expect(view.media?.attachments).toMatchObject([{ fileName: "worksheet.pdf", bytes: 2048 }]);

    // One statement per table; the enrolment (the access facts) is read once.
    expect(tables).toEqual(["Course", "Enrollment", "Section", "Lesson", "Lesson", "LessonProgress", "Asset"]);
    // Before: 28 statements for the page and its metadata (three access evaluations), + 1 for the session user.
    expect(tables.length).toBeLessThanOrEqual(7);
  });

  it.each([
    ["a student who is not enrolled", () => ({ id: s.users.newcomer, role: "STUDENT" as const }), "not-enrolled", ["Course", "Enrollment", "Section", "Lesson"]],
    ["a visitor", () => null, "unauthenticated", ["Course", "Section", "Lesson"]],
  ])("reads neither the body nor the media for %s", async (_who, viewer, reason, expected) => {
    const { value: view, tables } = await count(() => loadLessonView(viewer(), "cloud-security", lessonId));
    expect(view.access.decision).toMatchObject({ allowed: false, reason });
    expect(view.lesson.body).toBeNull();
    expect(view.progress).toBeNull();
    expect(view.media).toBeNull();
    expect(tables).toEqual(expected);
    expect(counter.statements.filter((q) => /\bbody\b/.test(q))).toEqual([]);
  });

  it("opens a free preview to a visitor without reading anyone's progress", async () => {
    const preview = s.courses["cloud-security"].lessons[0].id;
    const { value: view, tables } = await count(() => loadLessonView(null, "cloud-security", preview));
    expect(view.access.decision).toEqual({ allowed: true, reason: "free-preview" });
    expect(view.lesson.body).toContain("public bucket incidents");
    expect(view.progress).toBeNull();
    expect(tables).toEqual(["Course", "Section", "Lesson", "Lesson", "Asset"]);
  });

  it("is not found under another course's slug", async () => {
    await expect(loadLessonView(student(), "sql-basics", lessonId)).rejects.toThrow(/not found/i);
  });
});
