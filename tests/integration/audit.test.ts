import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startMediaEnv, MASTER } from "../support/media-fixture";

/**
 * The access audit log (ADR 047): what media delivery and the lesson view record, the course
 * managers' view with its filters and report, and the retention purge.
 */

const media = await startMediaEnv({ MEDIA_DELIVERY: "cloudfront", MEDIA_HLS_AUTH: "cookies" });
const { db } = await import("@/lib/db");
const { createCourse, createUser, enrol } = await import("../support/factories");
const delivery = await import("@/lib/media/delivery");
const { getLessonAccess } = await import("@/lib/access");
const { loadLessonView } = await import("@/lib/courses/queries");
const { courseAccessLog } = await import("@/lib/audit/log");
const { recordAccessEvents } = await import("@/lib/audit/record");
const { purgeAccessEvents } = await import("@/lib/audit/purge");
const { storage } = await import("@/lib/storage/instance");
const { lessonAttachmentKey, lessonVideoMasterKey, lessonVideoObjectKey } = await import("@/lib/storage/keys");
const { ForbiddenError, NotFoundError } = await import("@/lib/errors");

type V = { id: string; role: "STUDENT" | "INSTRUCTOR" };
const ctx = { ip: "198.51.100.23", userAgent: "Mozilla/5.0 (X11; Linux x86_64) AuditTest/1.0", sessionId: "sid-one" };
let course: Awaited<ReturnType<typeof createCourse>>;
let videoLesson: string;
let attachmentLesson: string;
const u = {} as Record<"instructor" | "otherInstructor" | "student" | "newcomer" | "revoked", V>;

const eventsOf = (where: { lessonId?: string; userId?: string } = {}) =>
  db.accessEvent.findMany({ where: { courseId: course.id, ...where }, orderBy: { id: "asc" } });

beforeAll(async () => {
  const instructor = await createUser(db, { role: "INSTRUCTOR" });
  u.instructor = { id: instructor.id, role: "INSTRUCTOR" };
  u.otherInstructor = { id: (await createUser(db, { role: "INSTRUCTOR" })).id, role: "INSTRUCTOR" };
  course = await createCourse(db, { instructor, lessons: [{ title: "Watching" }, { title: "Reading" }] });
  [videoLesson, attachmentLesson] = course.lessons.map((l) => l.id);
  for (const who of ["student", "newcomer", "revoked"] as const) u[who] = { id: (await createUser(db)).id, role: "STUDENT" };
  await enrol(db, u.student, course, "active");
  await enrol(db, u.revoked, course, "active");
  const video = await db.asset.create({
    data: { kind: "VIDEO", status: "READY", courseId: course.id, lessonId: videoLesson, storageKey: lessonVideoMasterKey(course.id, videoLesson, "v1"), contentType: "application/vnd.apple.mpegurl" },
  });
  await db.lesson.update({ where: { id: videoLesson }, data: { videoAssetId: video.id } });
  await storage().ensureBucket();
  await storage().putObject(lessonVideoObjectKey(course.id, videoLesson, "v1", "master.m3u8"), Buffer.from(MASTER), { contentType: "application/vnd.apple.mpegurl" });
  await db.asset.create({
    data: { kind: "ATTACHMENT", status: "READY", courseId: course.id, lessonId: attachmentLesson, storageKey: lessonAttachmentKey(course.id, attachmentLesson, "a1", "pdf"), contentType: "application/pdf", fileName: "sheet.pdf" },
  });
});

beforeEach(async () => {
  await db.accessEvent.deleteMany({});
});

afterAll(async () => {
  await media.stop();
});

const recorded = (userId: string | null, lessonId: string) => ({ courseId: course.id, lessonId, userId, ip: ctx.ip, userAgent: ctx.userAgent, sessionId: ctx.sessionId });

describe("recording", () => {
  it("a granted media session leaves one STREAM_SESSION event", async () => {
    await delivery.streamingCookies(u.student, videoLesson, ctx);
    expect(await eventsOf()).toEqual([expect.objectContaining({ ...recorded(u.student.id, videoLesson), kind: "STREAM_SESSION", outcome: "GRANTED", reason: "enrolled" })]);
  });

  it("an attachment URL leaves one ATTACHMENT event; the player one VIDEO_PAGE event", async () => {
    await delivery.lessonMedia(await getLessonAccess(u.student, attachmentLesson), u.student, ctx);
    expect(await eventsOf()).toEqual([expect.objectContaining({ ...recorded(u.student.id, attachmentLesson), kind: "ATTACHMENT", outcome: "GRANTED", reason: "enrolled" })]);
    await delivery.lessonMedia(await getLessonAccess(u.student, videoLesson), u.student, ctx);
    expect(await eventsOf({ lessonId: videoLesson })).toEqual([expect.objectContaining({ ...recorded(u.student.id, videoLesson), kind: "VIDEO_PAGE", outcome: "GRANTED" })]);
  });

  it("a denied lesson view leaves one LESSON_PAGE denial with the decision's reason, and no media event", async () => {
    const view = await loadLessonView(u.newcomer, course.slug, videoLesson, ctx);
    expect(view.media).toBeNull();
    expect(await eventsOf()).toEqual([expect.objectContaining({ ...recorded(u.newcomer.id, videoLesson), kind: "LESSON_PAGE", outcome: "DENIED", reason: "not-enrolled" })]);
  });

  it("a refused refresh (revoked while watching) leaves one STREAM_SESSION denial", async () => {
    await delivery.streamingCookies(u.revoked, videoLesson, ctx);
    await db.enrollment.update({ where: { userId_courseId: { userId: u.revoked.id, courseId: course.id } }, data: { status: "REVOKED", revokedAt: new Date() } });
    await expect(delivery.streamingCookies(u.revoked, videoLesson, ctx)).rejects.toBeInstanceOf(ForbiddenError);
    const events = await eventsOf();
    expect(events.map((e) => [e.kind, e.outcome, e.reason])).toEqual([
      ["STREAM_SESSION", "GRANTED", "enrolled"],
      ["STREAM_SESSION", "DENIED", "enrollment-revoked"],
    ]);
    expect(events[1]).toMatchObject(recorded(u.revoked.id, videoLesson));
  });

  it("signed playlists: issued and refused are PLAYLIST events", async () => {
    await delivery.signedPlaylist(u.student, videoLesson, "master.m3u8", ctx);
    await expect(delivery.signedPlaylist(u.newcomer, videoLesson, "master.m3u8", ctx)).rejects.toBeInstanceOf(ForbiddenError);
    expect((await eventsOf()).map((e) => [e.userId, e.kind, e.outcome])).toEqual([
      [u.student.id, "PLAYLIST", "GRANTED"],
      [u.newcomer.id, "PLAYLIST", "DENIED"],
    ]);
  });

  it("cuts values to the column limits, and logs (never throws) what it could not record", async () => {
    await delivery.streamingCookies(u.student, videoLesson, { ip: "2001:db8::1", userAgent: "x".repeat(1000), sessionId: null });
    const [e] = await eventsOf();
    expect(e.userAgent).toHaveLength(256);
    expect(e).toMatchObject({ ip: "2001:db8::1", sessionId: null });
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const orphan = { at: new Date(), courseId: "no-such-course", lessonId: null, userId: null, kind: "ATTACHMENT" as const, outcome: "GRANTED" as const, reason: "enrolled", ip: null, userAgent: null, sessionId: null };
    await expect(recordAccessEvents([orphan])).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledWith(expect.stringMatching(/access audit: could not record 1 event\(s\).*\n.*no-such-course/s));
    error.mockRestore();
  });
});

describe("the course managers' view", () => {
  async function seedLog() {
    await delivery.streamingCookies(u.student, videoLesson, ctx);
    await delivery.lessonMedia(await getLessonAccess(u.student, attachmentLesson), u.student, ctx);
    await loadLessonView(u.newcomer, course.slug, videoLesson, ctx);
  }

  it("is for the course's instructors (and admins) only", async () => {
    await expect(courseAccessLog(u.otherInstructor, course.id, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(courseAccessLog(u.student, course.id, {})).rejects.toBeInstanceOf(ForbiddenError);
    await expect(courseAccessLog(u.instructor, "no-such-course", {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(courseAccessLog({ id: u.otherInstructor.id, role: "ADMIN" }, course.id, {})).resolves.toBeTruthy();
  });

  it("lists newest first with user and lesson, and filters by lesson, user email, kind, outcome and day", async () => {
    await seedLog();
    const all = await courseAccessLog(u.instructor, course.id, {});
    expect(all.events.map((e) => e.kind)).toEqual(["LESSON_PAGE", "ATTACHMENT", "STREAM_SESSION"]);
    expect(all.lessons.map((l) => l.title)).toEqual(["Watching", "Reading"]);
    const student = await db.user.findUniqueOrThrow({ where: { id: u.student.id } });
    expect(all.events[2]).toMatchObject({ user: { email: student.email, name: student.name }, lessonId: videoLesson, ip: ctx.ip, userAgent: ctx.userAgent });

    const kinds = async (query: Record<string, string>) => (await courseAccessLog(u.instructor, course.id, query)).events.map((e) => e.kind);
    expect(await kinds({ lesson: attachmentLesson })).toEqual(["ATTACHMENT"]);
    expect(await kinds({ user: student.email.toUpperCase() })).toEqual(["ATTACHMENT", "STREAM_SESSION"]);
    expect(await kinds({ kind: "STREAM_SESSION" })).toEqual(["STREAM_SESSION"]);
    expect(await kinds({ outcome: "DENIED" })).toEqual(["LESSON_PAGE"]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await kinds({ from: today, to: today })).toHaveLength(3);
    expect(await kinds({ to: "2000-01-01" })).toEqual([]);
    // Unparseable values are ignored, not errors.
    expect(await kinds({ kind: "BOGUS", from: "yesterday" })).toHaveLength(3);
  });

  it("pages with a keyset cursor", async () => {
    const at = new Date();
    await db.accessEvent.createMany({
      data: Array.from({ length: 55 }, (_, i) => ({ at: new Date(at.getTime() - i * 1000), courseId: course.id, userId: u.student.id, kind: "CAPTION" as const, outcome: "GRANTED" as const, reason: "enrolled" })),
    });
    const first = await courseAccessLog(u.instructor, course.id, {});
    expect(first.events).toHaveLength(50);
    expect(first.olderBefore).toBe(first.events[49].id);
    const second = await courseAccessLog(u.instructor, course.id, { before: first.olderBefore! });
    expect(second.events).toHaveLength(5);
    expect(second.olderBefore).toBeNull();
    expect(new Set([...first.events, ...second.events].map((e) => e.id)).size).toBe(55);
  });
});

describe("the report", () => {
  it("flags an account streaming from 3 IPs and one with 2 concurrent sessions, not a normal student or the staff", async () => {
    const now = new Date();
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
    const users = { roaming: await createUser(db), sharing: await createUser(db), normal: await createUser(db), commuter: await createUser(db) };
    for (const who of Object.values(users)) await enrol(db, who, course, "active");
    const grant = (userId: string, at: Date, ip: string, sessionId: string, reason = "enrolled") => ({
      at, courseId: course.id, lessonId: videoLesson, userId, kind: "STREAM_SESSION" as const, outcome: "GRANTED" as const, reason, ip, sessionId,
    });
    await db.accessEvent.createMany({
      data: [
        // Three addresses in the window (one session).
        grant(users.roaming.id, ago(300), "203.0.113.1", "r1"),
        grant(users.roaming.id, ago(200), "203.0.113.2", "r1"),
        grant(users.roaming.id, ago(100), "203.0.113.3", "r1"),
        // Two sessions within ten minutes, one address.
        grant(users.sharing.id, ago(30), "203.0.113.9", "s1"),
        grant(users.sharing.id, ago(25), "203.0.113.9", "s2"),
        // Normal: one address, one session, many grants.
        ...[60, 50, 40, 30, 20].map((m) => grant(users.normal.id, ago(m), "203.0.113.20", "n1")),
        // Two sessions hours apart and two addresses: not concurrent, under the address threshold.
        grant(users.commuter.id, ago(600), "203.0.113.30", "c1"),
        grant(users.commuter.id, ago(60), "203.0.113.31", "c2"),
        // The instructor checking from four places is not a student.
        ...["a", "b", "c", "d"].map((s, i) => grant(u.instructor.id, ago(10 + i), `192.0.2.${i + 1}`, s, "instructor")),
        // Outside the 24 h window: does not count.
        grant(users.normal.id, ago(25 * 60), "203.0.113.21", "n0"),
        grant(users.normal.id, ago(25 * 60 + 1), "203.0.113.22", "n00"),
      ],
    });
    const { report } = await courseAccessLog(u.instructor, course.id, {}, now);
    expect(report.rules).toEqual({ windowHours: 24, minIps: 3, minSessions: 2, concurrencyMinutes: 10 });
    expect(report.accounts.map((a) => [a.user?.email, a.ips.length, a.concurrentSessions, a.manyIps, a.manySessions])).toEqual([
      [users.roaming.email, 3, 1, true, false],
      [users.sharing.email, 1, 2, false, true],
    ]);
  });
});

describe("retention", () => {
  it("the purge deletes only events older than the retention, in batches", async () => {
    const now = new Date();
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    const row = (at: Date) => ({ at, courseId: course.id, userId: u.student.id, kind: "CAPTION" as const, outcome: "GRANTED" as const, reason: "enrolled" });
    await db.accessEvent.createMany({ data: [...[91, 95, 120, 400, 90.01].map((d) => row(daysAgo(d))), ...[89.99, 30, 0].map((d) => row(daysAgo(d)))] });
    expect(await purgeAccessEvents(db, { retentionDays: 90, now, batchSize: 2 })).toBe(5);
    expect((await eventsOf()).map((e) => Math.round((now.getTime() - e.at.getTime()) / 86_400_000))).toEqual([90, 30, 0]);
    expect(await purgeAccessEvents(db, { retentionDays: 90, now })).toBe(0);
  });

  it("is scheduled by the worker with the configured retention and run by its housekeeping", async () => {
    const { startBoss } = await import("@/lib/jobs/boss");
    const { PURGE_ACCESS_EVENTS_CRON, QUEUES } = await import("@/lib/jobs/queues");
    const { purgeAccessEventsIfAsked, scheduleHousekeeping } = await import("@/worker/housekeeping");
    const boss = await startBoss({ url: process.env.DATABASE_URL!, role: "worker", leaseSeconds: 30, log: () => undefined });
    try {
      await db.accessEvent.createMany({
        data: [40, 5].map((d) => ({ at: new Date(Date.now() - d * 86_400_000), courseId: course.id, kind: "CAPTION" as const, outcome: "GRANTED" as const, reason: "enrolled" })),
      });
      await scheduleHousekeeping(boss, { auditRetentionDays: 30 });
      const schedules = await db.$queryRawUnsafe<{ name: string; cron: string; data: unknown }[]>("SELECT name, cron, data FROM pgboss.schedule");
      expect(schedules).toContainEqual({ name: QUEUES.purgeAccessEvents, cron: PURGE_ACCESS_EVENTS_CRON, data: { retentionDays: 30 } });
      const log: string[] = [];
      expect(await purgeAccessEventsIfAsked({ db, storage: storage(), boss, log: (l) => log.push(l) })).toBe(1);
      expect(log).toEqual(["purged 1 access event(s) past their retention"]);
      expect(await db.accessEvent.count()).toBe(1);
    } finally {
      await boss.stop({ graceful: false, wait: true });
    }
  });
});
