import { describe, expect, it } from "vitest";
import {
  type CourseFacts,
  type EnrollmentFacts,
  type LessonFacts,
  type Viewer,
  canAdministerUsers,
  canAuthorCourses,
  canManageAccount,
  canManageCourse,
  canViewCourse,
  decideCourseAccess,
  decideLessonAccess,
  enrollmentState,
  explainDenial,
  isAdmin,
  isInstructorRole,
} from "@/lib/access/policy";

const now = new Date("2026-06-01T12:00:00Z");
const past = new Date("2026-05-01T00:00:00Z");
const future = new Date("2026-07-01T00:00:00Z");

const student: Viewer = { id: "s1", role: "STUDENT" };
const otherInstructor: Viewer = { id: "i2", role: "INSTRUCTOR" };
const instructor: Viewer = { id: "i1", role: "INSTRUCTOR" };
const admin: Viewer = { id: "a1", role: "ADMIN" };
/** Still listed among the course's instructors (i1) after an admin made the account a student. */
const formerInstructor: Viewer = { id: "i1", role: "STUDENT" };

const course = (over: Partial<CourseFacts> = {}): CourseFacts => ({ id: "c1", published: true, isFree: false, instructorIds: ["i1"], ...over });
const lesson = (over: Partial<LessonFacts> = {}): LessonFacts => ({ id: "l1", isFreePreview: false, availableFrom: null, ...over });
const active: EnrollmentFacts = { status: "ACTIVE", expiresAt: null };

describe("enrollmentState", () => {
  it.each([
    [null, "none"],
    [{ status: "ACTIVE", expiresAt: null }, "active"],
    [{ status: "ACTIVE", expiresAt: future }, "active"],
    [{ status: "ACTIVE", expiresAt: past }, "expired"],
    [{ status: "ACTIVE", expiresAt: now }, "expired"], // expiry instant itself is denied
    [{ status: "REVOKED", expiresAt: null }, "revoked"],
    [{ status: "REVOKED", expiresAt: past }, "revoked"],
  ] as const)("%j -> %s", (e, state) => {
    expect(enrollmentState(e as EnrollmentFacts | null, now)).toBe(state);
  });
});

describe("lesson access matrix", () => {
  type Row = [string, Viewer | null, Partial<CourseFacts>, Partial<LessonFacts>, EnrollmentFacts | null, boolean, string];
  const rows: Row[] = [
    // published paid course, plain lesson
    ["anonymous", null, {}, {}, null, false, "unauthenticated"],
    ["student not enrolled", student, {}, {}, null, false, "not-enrolled"],
    ["student enrolled", student, {}, {}, active, true, "enrolled"],
    ["student enrolled until later", student, {}, {}, { status: "ACTIVE", expiresAt: future }, true, "enrolled"],
    ["student expired", student, {}, {}, { status: "ACTIVE", expiresAt: past }, false, "enrollment-expired"],
    ["student revoked", student, {}, {}, { status: "REVOKED", expiresAt: null }, false, "enrollment-revoked"],
    ["instructor of the course", instructor, {}, {}, null, true, "instructor"],
    ["instructor of another course", otherInstructor, {}, {}, null, false, "not-enrolled"],
    ["admin", admin, {}, {}, null, true, "admin"],
    ["former instructor of the course, now a student", formerInstructor, {}, {}, null, false, "not-enrolled"],
    ["former instructor of the course, now a student and enrolled", formerInstructor, {}, {}, active, true, "enrolled"],
    // free preview
    ["anonymous on a free preview", null, {}, { isFreePreview: true }, null, true, "free-preview"],
    ["student not enrolled on a free preview", student, {}, { isFreePreview: true }, null, true, "free-preview"],
    ["revoked student on a free preview", student, {}, { isFreePreview: true }, { status: "REVOKED", expiresAt: null }, true, "free-preview"],
    ["enrolled student on a free preview", student, {}, { isFreePreview: true }, active, true, "enrolled"],
    // drip
    ["enrolled, lesson opens later", student, {}, { availableFrom: future }, active, false, "not-yet-available"],
    ["enrolled, lesson already open", student, {}, { availableFrom: past }, active, true, "enrolled"],
    ["enrolled, lesson opens exactly now", student, {}, { availableFrom: now }, active, true, "enrolled"],
    ["free preview that opens later", null, {}, { isFreePreview: true, availableFrom: future }, null, false, "not-yet-available"],
    ["instructor before the drip date", instructor, {}, { availableFrom: future }, null, true, "instructor"],
    ["admin before the drip date", admin, {}, { availableFrom: future }, null, true, "admin"],
    // unpublished course
    ["enrolled student, unpublished course", student, { published: false }, {}, active, false, "not-published"],
    ["free preview, unpublished course", null, { published: false }, { isFreePreview: true }, null, false, "not-published"],
    ["instructor, unpublished course", instructor, { published: false }, {}, null, true, "instructor"],
    ["admin, unpublished course", admin, { published: false }, {}, null, true, "admin"],
    ["former instructor, unpublished course", formerInstructor, { published: false }, {}, active, false, "not-published"],
    // free course still requires enrolment
    ["free course, not enrolled", student, { isFree: true }, {}, null, false, "not-enrolled"],
    ["free course, enrolled", student, { isFree: true }, {}, active, true, "enrolled"],
  ];

  it.each(rows)("%s", (_name, viewer, c, l, e, allowed, reason) => {
    const d = decideLessonAccess(viewer, course(c), lesson(l), e, now);
    expect(d.allowed).toBe(allowed);
    expect(d.reason).toBe(reason);
  });

  it("reports when a dripped lesson opens and when an enrolment expired", () => {
    const drip = decideLessonAccess(student, course(), lesson({ availableFrom: future }), active, now);
    expect(drip).toEqual({ allowed: false, reason: "not-yet-available", availableFrom: future });
    const expired = decideLessonAccess(student, course(), lesson(), { status: "ACTIVE", expiresAt: past }, now);
    expect(expired).toEqual({ allowed: false, reason: "enrollment-expired", expiredAt: past });
  });
});

describe("course access", () => {
  it("course-level access never grants through a free preview", () => {
    expect(decideCourseAccess(student, course(), null, now)).toEqual({ allowed: false, reason: "not-enrolled" });
    expect(decideCourseAccess(null, course(), null, now)).toEqual({ allowed: false, reason: "unauthenticated" });
  });
  it("only staff view unpublished courses", () => {
    expect(canViewCourse(student, course({ published: false }))).toBe(false);
    expect(canViewCourse(null, course({ published: false }))).toBe(false);
    expect(canViewCourse(instructor, course({ published: false }))).toBe(true);
    expect(canViewCourse(admin, course({ published: false }))).toBe(true);
    expect(canViewCourse(formerInstructor, course({ published: false }))).toBe(false);
    expect(canViewCourse(null, course())).toBe(true);
  });
  it("only the course's instructors and admins manage it", () => {
    expect(canManageCourse(instructor, course())).toBe(true);
    expect(canManageCourse(admin, course())).toBe(true);
    expect(canManageCourse(otherInstructor, course())).toBe(false);
    expect(canManageCourse(student, course())).toBe(false);
    expect(canManageCourse(null, course())).toBe(false);
  });
  it("teaching a course gives no staff right without the instructor role (ADR 048)", () => {
    expect(canManageCourse(formerInstructor, course())).toBe(false);
    expect(decideCourseAccess(formerInstructor, course(), null, now)).toEqual({ allowed: false, reason: "not-enrolled" });
    expect(decideLessonAccess(formerInstructor, course(), lesson({ availableFrom: future }), active, now).reason).toBe("not-yet-available");
  });
});

describe("explainDenial", () => {
  it("tells what to do for each reason", () => {
    expect(explainDenial({ allowed: false, reason: "unauthenticated" }, { isFree: false }).action).toBe("sign-in");
    expect(explainDenial({ allowed: false, reason: "not-enrolled" }, { isFree: true }).action).toBe("enrol");
    expect(explainDenial({ allowed: false, reason: "not-enrolled" }, { isFree: false }).action).toBe("redeem");
    expect(explainDenial({ allowed: false, reason: "enrollment-revoked" }, { isFree: false }).action).toBe("contact");
    const expired = explainDenial({ allowed: false, reason: "enrollment-expired", expiredAt: past }, { isFree: false });
    expect(expired.detail).toContain("2026-05-01");
    const drip = explainDenial({ allowed: false, reason: "not-yet-available", availableFrom: future }, { isFree: false });
    expect(drip.action).toBe("wait");
    expect(drip.detail).toContain("2026-07-01");
  });
});

describe("roles", () => {
  it("lets instructors and admins author courses, nobody else", () => {
    expect(isInstructorRole("INSTRUCTOR")).toBe(true);
    expect(isInstructorRole("ADMIN")).toBe(true);
    expect(isInstructorRole("STUDENT")).toBe(false);
    expect(isInstructorRole(undefined)).toBe(false);
    expect([instructor, admin, student, null].map(canAuthorCourses)).toEqual([true, true, false, false]);
    expect([instructor, admin, student, null].map(isAdmin)).toEqual([false, true, false, false]);
  });
});

describe("accounts", () => {
  it("only admins administer users; an account is managed by its owner or an admin", () => {
    expect([instructor, admin, student, null].map(canAdministerUsers)).toEqual([false, true, false, false]);
    expect(canManageAccount(student, student.id)).toBe(true);
    expect(canManageAccount(student, instructor.id)).toBe(false);
    expect(canManageAccount(instructor, student.id)).toBe(false);
    expect(canManageAccount(admin, student.id)).toBe(true);
    expect(canManageAccount(null, student.id)).toBe(false);
  });
});
