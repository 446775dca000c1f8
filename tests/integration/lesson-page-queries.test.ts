import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startMediaEnv } from "../support/media-fixture";

/**
 * How many SQL statements one lesson view costs. Counted with Prisma's query events
 * (`log: [{ emit: "event", level: "query" }]` + `$on("query")`): one event per SQL statement
 * the client sends through the driver adapter (Prisma 6.19, engineType "client", pg adapter,
 * `relationJoins`: a Prisma operation with nested relations is ONE statement with lateral
 * joins). Prisma operations (what the issue counted: "about 14", i.e. 2 × 5 for the page and
 * its metadata + 3 for the media + the session user) are counted too, with a query extension.
 *
 * Before (SQLite): 28 statements (14 operations with the session user; access decided three
 * times). Now: 3 statements in 3 operations, one access decision: the outline with the access
 * facts (course, whether the viewer teaches it, the enrolment, sections, lessons), then, once
 * access allows it, the lesson's body with the viewer's progress, and the media. The session
 * user (lib/auth/session, shared with the site header) adds one: 4 in all. The access audit
 * log (ADR 047) adds one INSERT of what the view issued or refused: 5.
 *
 * The page (app/courses/[slug]/lessons/[lessonId]/page.tsx) and its generateMetadata both call
 * loadLessonView, which React `cache` memoizes per server request; outside a request (here)
 * `cache` does not memoize, so the test loads the view once and derives the metadata from it,
 * as the page does.
 */

const media = await startMediaEnv({ MEDIA_DELIVERY: "cloudfront", MEDIA_HLS_AUTH: "cookies" });

const counter = vi.hoisted(() => ({ statements: [] as string[], operations: [] as string[] }));
vi.mock("@/lib/db", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/lib/db")>();
  const client = actual.createPrismaClient(undefined, { log: [{ emit: "event", level: "query" }] });
  (client as unknown as { $on(event: "query", cb: (e: { query: string }) => void): void }).$on("query", (e) => counter.statements.push(e.query));
  const db = client.$extends({
    query: {
      async $allOperations({ model, operation, args, query }) {
        counter.operations.push(`${model}.${operation}`);
        return query(args);
      },
    },
  });
  return { ...actual, db };
});

const { db } = await import("@/lib/db");
const { seed } = await import("@/prisma/seed");
const { loadLessonView, lessonViewTitle } = await import("@/lib/courses/queries");
const { lessonVideoMasterKey, lessonVideoObjectKey, lessonAttachmentKey } = await import("@/lib/storage/keys");
const { testContext: ctx } = await import("../support/audit");

type Seeded = { courses: Record<string, { id: string; lessons: { id: string }[] }>; users: Record<string, string> };
let s: Seeded;
let lessonId: string;
const student = () => ({ id: s.users.student, role: "STUDENT" as const });

/**
 * The table a statement reads first (FROM …) or writes (INSERT INTO …), whatever the SQL
 * dialect quotes it with; transaction control as itself (Prisma's createMany ends in a COMMIT).
 */
const tableOf = (sql: string) =>
  /^\s*(BEGIN|COMMIT)\b/i.exec(sql)?.[1].toUpperCase() ?? /\b(?:FROM|INSERT\s+INTO)\s+(?:[`"]?\w+[`"]?\.)?[`"]?(\w+)[`"]?/i.exec(sql)?.[1] ?? "?";

async function count<T>(fn: () => Promise<T>): Promise<{ value: T; tables: string[]; operations: string[] }> {
  counter.statements.length = 0;
  counter.operations.length = 0;
  const value = await fn();
  return { value, tables: counter.statements.map(tableOf), operations: [...counter.operations] };
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
  it("loads outline, access, lesson, progress and media for an enrolled student in 3 SQL reads (4 with the session user) and one audit insert, deciding access once", async () => {
    const { value: view, tables, operations } = await count(() => loadLessonView(student(), "cloud-security", lessonId, ctx));

    // Everything the page renders came back.
    expect(lessonViewTitle(view)).toBe("Signed URLs and signed cookies · Practical Cloud Security");
    expect(view.access.decision).toEqual({ allowed: true, reason: "enrolled" });
    expect(view.lesson.body).toContain("CloudFront signed URLs");
    expect(view.course.sections.flatMap((x) => x.lessons)).toHaveLength(4);
    expect(view.progress).toEqual({ completed: false, lastPositionSeconds: 42 });
    expect(view.media?.video?.manifestUrl).toContain("/master.m3u8");
    expect(view.media?.captions).toHaveLength(1);
    expect(view.media?.attachments).toMatchObject([{ fileName: "worksheet.pdf", bytes: 2048 }]);

    // One statement per operation (relation joins); the access facts are read once; one insert
    // records what was issued (the player, the caption, the attachment: createMany, so Prisma
    // wraps it in a transaction).
    expect(tables).toEqual(["Course", "Lesson", "Asset", "AccessEvent", "COMMIT"]);
    expect(tables.length + 1 /* session user */).toBeLessThanOrEqual(6);
    // In Prisma operations: the outline with the access facts, the lesson's details, the media, the audit.
    expect(operations).toEqual(["Course.findUnique", "Lesson.findUniqueOrThrow", "Asset.findMany", "AccessEvent.createMany"]);
    expect(operations.length + 1 /* session user */).toBeLessThanOrEqual(6);
  });

  it.each([
    ["a student who is not enrolled", () => ({ id: s.users.newcomer, role: "STUDENT" as const }), "not-enrolled", ["Course", "AccessEvent"]],
    ["a visitor", () => null, "unauthenticated", ["Course", "AccessEvent"]],
  ])("reads neither the body nor the media for %s", async (_who, viewer, reason, expected) => {
    const { value: view, tables } = await count(() => loadLessonView(viewer(), "cloud-security", lessonId, ctx));
    expect(view.access.decision).toMatchObject({ allowed: false, reason });
    expect(view.lesson.body).toBeNull();
    expect(view.progress).toBeNull();
    expect(view.media).toBeNull();
    expect(tables).toEqual(expected);
    expect(counter.statements.filter((q) => /\bbody\b/.test(q))).toEqual([]);
  });

  it("opens a free preview to a visitor without reading anyone's progress", async () => {
    const preview = s.courses["cloud-security"].lessons[0].id;
    const { value: view, tables } = await count(() => loadLessonView(null, "cloud-security", preview, ctx));
    expect(view.access.decision).toEqual({ allowed: true, reason: "free-preview" });
    expect(view.lesson.body).toContain("public bucket incidents");
    expect(view.progress).toBeNull();
    expect(tables).toEqual(["Course", "Lesson", "Asset"]);
  });

  it("is not found under another course's slug", async () => {
    await expect(loadLessonView(student(), "sql-basics", lessonId, ctx)).rejects.toThrow(/not found/i);
  });
});
