import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getLessonAccess } from "@/lib/access";
import { verifyPassword } from "@/lib/auth/password";
import { createAccessCode, createCourse, createUser, enrol, findCourse, findUser } from "../support/factories";

describe("test data factories", () => {
  it("create users with a role, and a password hash only when a password is given", async () => {
    const plain = await createUser(db);
    const teacher = await createUser(db, { role: "INSTRUCTOR", email: "Teacher@Example.com", password: "teacher-pass-42" });
    expect(plain.role).toBe("STUDENT");
    expect((await db.user.findUniqueOrThrow({ where: { id: plain.id } })).passwordHash).toBeNull();
    expect(teacher).toMatchObject({ role: "INSTRUCTOR", email: "teacher@example.com" });
    const row = await db.user.findUniqueOrThrow({ where: { id: teacher.id } });
    expect(await verifyPassword(row.passwordHash!, "teacher-pass-42")).toBe(true);
    expect(await findUser(db, "TEACHER@example.com")).toEqual(teacher);
  });

  it("create a course with lessons in syllabus order, published and paid by default", async () => {
    const instructor = await createUser(db, { role: "INSTRUCTOR" });
    const three = await createCourse(db, { instructor, lessons: 3 });
    expect(three).toMatchObject({ published: true, isFree: false, instructorIds: [instructor.id] });
    expect(three.lessons.map((l) => l.title)).toEqual(["Lesson 1", "Lesson 2", "Lesson 3"]);
    const later = new Date(Date.now() + 86_400_000);
    const draft = await createCourse(db, { instructor, published: false, isFree: true, lessons: [{ title: "Intro", isFreePreview: true }, { title: "Later", availableFrom: later }] });
    expect(draft).toMatchObject({ published: false, isFree: true });
    expect(draft.lessons).toMatchObject([{ title: "Intro", isFreePreview: true, availableFrom: null }, { title: "Later", isFreePreview: false, availableFrom: later }]);
    expect(await findCourse(db, draft.slug)).toEqual(draft);
  });

  it("enrol in each state, as lib/access then sees it", async () => {
    const instructor = await createUser(db, { role: "INSTRUCTOR" });
    const course = await createCourse(db, { instructor, lessons: 1 });
    const lessonId = course.lessons[0].id;
    const decide = async (state?: "active" | "revoked" | "expired" | "expires-soon") => {
      const u = await createUser(db);
      if (state) await enrol(db, u, course, state);
      return (await getLessonAccess({ id: u.id, role: u.role }, lessonId)).decision;
    };
    expect(await decide()).toMatchObject({ allowed: false, reason: "not-enrolled" });
    expect(await decide("active")).toMatchObject({ allowed: true });
    expect(await decide("expires-soon")).toMatchObject({ allowed: true });
    expect(await decide("expired")).toMatchObject({ allowed: false, reason: "enrollment-expired" });
    expect(await decide("revoked")).toMatchObject({ allowed: false, reason: "enrollment-revoked" });

    // Enrolling again changes the state of the one enrolment.
    const u = await createUser(db);
    await enrol(db, u, course, "revoked");
    const e = await enrol(db, u, course, "active");
    expect(e).toMatchObject({ status: "ACTIVE", expiresAt: null });
    expect(await db.enrollment.count({ where: { userId: u.id } })).toBe(1);
  });

  it("create access codes stored upper-case", async () => {
    const instructor = await createUser(db, { role: "INSTRUCTOR" });
    const course = await createCourse(db, { instructor });
    expect(await createAccessCode(db, course, { code: "spring-2027", maxUses: 2 })).toMatchObject({ code: "SPRING-2027", maxUses: 2 });
  });
});
