import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getLessonAccess, requireLessonAccess, type Viewer } from "@/lib/access";
import {
  createAccessCode,
  enrollInFreeCourse,
  INVALID_CODE,
  grantEnrollment,
  redeemAccessCode,
  revokeEnrollment,
  setEnrollmentExpiry,
} from "@/lib/enrollments";
import { createCourse, publishCourse, addSection, addLesson } from "@/lib/courses/authoring";
import { registerUser } from "@/lib/auth/users";
import { AppError, ConflictError, ForbiddenError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { seed, type SeedResult } from "@/prisma/seed";

let s: SeedResult;
/** Sign-ups and redemptions in this file come from one client address (well within the limits). */
const client = { clientIp: "192.0.2.10" };
const viewer = async (email: string): Promise<Viewer> => {
  const u = await db.user.findUniqueOrThrow({ where: { email } });
  return { id: u.id, role: u.role };
};

beforeAll(async () => {
  const r = await seed(db);
  if (!r.created) throw new Error("expected a fresh database");
  s = r as SeedResult;
});

describe("seeded access", () => {
  it("matches the demo story", async () => {
    const cloud = s.courses["cloud-security"].lessons;
    const student = await viewer("student@example.com");
    const newcomer = await viewer("newcomer@example.com");
    const expired = await viewer("expired@example.com");
    expect((await getLessonAccess(student, cloud[1].id)).decision.allowed).toBe(true);
    expect((await getLessonAccess(newcomer, cloud[1].id)).decision).toMatchObject({ allowed: false, reason: "not-enrolled" });
    expect((await getLessonAccess(expired, cloud[1].id)).decision).toMatchObject({ allowed: false, reason: "enrollment-expired" });
    expect((await getLessonAccess(newcomer, cloud[0].id)).decision).toMatchObject({ allowed: true, reason: "free-preview" });
    expect((await getLessonAccess(student, cloud[3].id)).decision).toMatchObject({ allowed: false, reason: "not-yet-available" });
    await expect(requireLessonAccess(null, cloud[1].id)).rejects.toBeInstanceOf(UnauthenticatedError);
    await expect(requireLessonAccess(newcomer, cloud[1].id)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("enrolment", () => {
  it("self-enrols in a free course only", async () => {
    const u = await registerUser({ name: "Free Learner", email: "free@example.com", password: "a-strong-pass-1" }, client);
    const v = { id: u.id, role: u.role };
    await enrollInFreeCourse(v, s.courses["sql-basics"].id);
    await enrollInFreeCourse(v, s.courses["sql-basics"].id); // idempotent
    expect(await db.enrollment.count({ where: { userId: v.id } })).toBe(1);
    await expect(enrollInFreeCourse(v, s.courses["cloud-security"].id)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(enrollInFreeCourse(null, s.courses["sql-basics"].id)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it("redeems a code once per student and never beyond max uses, even when racing", async () => {
    const instructor = await viewer("instructor@example.com");
    const { id, code } = await createAccessCode(instructor, s.courses["video-production"].id, { prefix: "RACE", maxUses: "2" });
    const racers = await Promise.all(
      ["r1", "r2", "r3", "r4"].map((n) => registerUser({ name: n, email: `${n}@example.com`, password: "a-strong-pass-1" }, client)),
    );
    const results = await Promise.allSettled(racers.map((u) => redeemAccessCode({ id: u.id, role: u.role }, code.toLowerCase(), client)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(2);
    const rejected = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
    expect(rejected.every((r) => r.reason instanceof ValidationError && r.reason.message === INVALID_CODE)).toBe(true);
    expect((await db.accessCode.findUniqueOrThrow({ where: { id } })).uses).toBe(2);
    const winner = racers[results.findIndex((r) => r.status === "fulfilled")];
    await expect(redeemAccessCode({ id: winner.id, role: "STUDENT" }, code, client)).rejects.toBeInstanceOf(ValidationError); // used up now
  });

  it("asks for a code when none is typed; anything else that does not enrol gets the one generic message", async () => {
    const newcomer = await viewer("newcomer@example.com");
    await expect(redeemAccessCode(newcomer, "  ", client)).rejects.toThrow(/Enter the access code/);
    await expect(redeemAccessCode(newcomer, "x", client)).rejects.toThrow(INVALID_CODE);
    await expect(redeemAccessCode(newcomer, "NOPE-0000", client)).rejects.toThrow(INVALID_CODE);
    await expect(redeemAccessCode(newcomer, s.codes["cloud-security"].code, client)).resolves.toMatchObject({ slug: "cloud-security" });
    await expect(redeemAccessCode(newcomer, s.codes["cloud-security"].code, client)).rejects.toBeInstanceOf(ConflictError);
  });

  it("revoke and expiry take effect on the next check", async () => {
    const instructor = await viewer("instructor@example.com");
    const courseId = s.courses["cloud-security"].id;
    const lessonId = s.courses["cloud-security"].lessons[1].id;
    const u = await registerUser({ name: "Granted", email: "granted@example.com", password: "a-strong-pass-1" }, client);
    const v = { id: u.id, role: u.role };
    await grantEnrollment(instructor, courseId, { email: "granted@example.com" });
    const e = await db.enrollment.findUniqueOrThrow({ where: { userId_courseId: { userId: u.id, courseId } } });
    expect((await getLessonAccess(v, lessonId)).decision.allowed).toBe(true);
    await setEnrollmentExpiry(instructor, courseId, e.id, new Date(Date.now() - 1000));
    expect((await getLessonAccess(v, lessonId)).decision).toMatchObject({ reason: "enrollment-expired" });
    await setEnrollmentExpiry(instructor, courseId, e.id, null);
    expect((await getLessonAccess(v, lessonId)).decision.allowed).toBe(true);
    await revokeEnrollment(instructor, courseId, e.id);
    expect((await getLessonAccess(v, lessonId)).decision).toMatchObject({ reason: "enrollment-revoked" });
    // a student cannot grant, and cannot re-enrol with a code after a revoke
    await expect(grantEnrollment(v, courseId, { email: "granted@example.com" })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(redeemAccessCode(v, s.codes["cloud-security"].code, client)).rejects.toBeInstanceOf(ForbiddenError);
  });

  it("instructors author and publish courses; students cannot", async () => {
    const instructor = await viewer("instructor@example.com");
    const student = await viewer("student@example.com");
    const input = { title: "Testing 101", slug: "testing-101", summary: "How to test a web app well.", description: "", isFree: "on" };
    await expect(createCourse(student, input)).rejects.toBeInstanceOf(ForbiddenError);
    const c = await createCourse(instructor, input);
    await expect(publishCourse(instructor, c.id, true)).rejects.toThrow(/at least one lesson/);
    const sec = await addSection(instructor, c.id, { title: "Intro" });
    await addLesson(instructor, c.id, sec.id, { title: "Hello" });
    expect((await publishCourse(instructor, c.id, true)).published).toBe(true);
    await expect(createCourse(instructor, { ...input })).rejects.toThrow(/slug is taken/);
    const bad = await createCourse(instructor, { ...input, slug: "Bad Slug!" }).catch((e: AppError) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).fieldErrors.slug?.[0]).toMatch(/lowercase/);
  });

  it("refuses weak passwords and duplicate emails at sign-up", async () => {
    await expect(registerUser({ name: "W", email: "weak@example.com", password: "short" }, client)).rejects.toThrow(/at least 10/);
    await expect(registerUser({ name: "D", email: "student@example.com", password: "a-strong-pass-1" }, client)).rejects.toBeInstanceOf(ConflictError);
  });
});
