import { beforeAll, describe, expect, it, vi } from "vitest";
import { db } from "@/lib/db";
import { getLessonAccess } from "@/lib/access";
import { registerUser } from "@/lib/auth/users";
import { cancelInvitation, grantEnrollment, listInvitations } from "@/lib/enrollments";
import { authOptions } from "@/lib/auth/options";
import { ForbiddenError } from "@/lib/errors";
import { createCourse, createUser, type CourseRef, type UserRef } from "../support/factories";

const client = { clientIp: "192.0.2.60" };
const PASSWORD = "a-strong-pass-1";

let instructor: UserRef;
let course: CourseRef;
beforeAll(async () => {
  instructor = await createUser(db, { role: "INSTRUCTOR" });
  course = await createCourse(db, { instructor, lessons: 2 });
});

/** The course's pending invitations to these emails. */
const pending = async (...emails: string[]) => (await listInvitations(instructor, course.id)).filter((i) => emails.includes(i.email));
const decision = async (user: { id: string; role: UserRef["role"] }) => (await getLessonAccess(user, course.lessons[1].id)).decision;

describe("granting access by email", () => {
  it("answers the same whether or not an account uses the email", async () => {
    const known = await createUser(db);
    const known_ = await grantEnrollment(instructor, course.id, { email: known.email });
    const unknown_ = await grantEnrollment(instructor, course.id, { email: "Not.Yet@Example.com" });
    expect(known_).toEqual({ email: known.email });
    expect(unknown_).toEqual({ email: "not.yet@example.com" });
    expect(await decision(known)).toMatchObject({ allowed: true });
  });

  it("an invitation grants nothing until an account with that email is created; then it is an active enrolment", async () => {
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    await grantEnrollment(instructor, course.id, { email: "invitee@example.com", expiresAt: expiresAt.toISOString() });
    expect(await db.enrollment.count({ where: { courseId: course.id, user: { email: "invitee@example.com" } } })).toBe(0);
    expect(await pending("invitee@example.com")).toMatchObject([{ email: "invitee@example.com", expiresAt }]);

    const u = await registerUser({ name: "Invitee", email: "INVITEE@example.com", password: PASSWORD }, client);
    expect(await db.enrollment.findUniqueOrThrow({ where: { userId_courseId: { userId: u.id, courseId: course.id } } })).toMatchObject({
      status: "ACTIVE",
      source: "GRANT",
      expiresAt,
      grantedById: instructor.id,
    });
    expect(await decision(u)).toMatchObject({ allowed: true, reason: "enrolled" });
    expect(await pending("invitee@example.com")).toEqual([]);
  });

  it("a GitHub sign-up with that (verified) email claims it too", async () => {
    await grantEnrollment(instructor, course.id, { email: "octo.invitee@example.com" });
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify([{ email: "octo.invitee@example.com", primary: true, verified: true }])));
    try {
      const login = {
        user: { id: "4242", name: "Octo Invitee", email: null },
        account: { provider: "github", type: "oauth", providerAccountId: "4242", access_token: "gho_x" },
        profile: { login: "octoinvitee" },
      };
      expect(await authOptions.callbacks!.signIn!(login as never)).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
    const u = await db.user.findUniqueOrThrow({ where: { email: "octo.invitee@example.com" } });
    expect(await decision(u)).toMatchObject({ allowed: true, reason: "enrolled" });
  });

  it("a cancelled or lapsed invitation gives nothing; only the course's managers see and cancel invitations", async () => {
    await grantEnrollment(instructor, course.id, { email: "cancelled@example.com" });
    await grantEnrollment(instructor, course.id, { email: "lapsed@example.com", expiresAt: new Date(Date.now() + 1000).toISOString() });
    const stranger = await createUser(db, { role: "INSTRUCTOR" });
    await expect(listInvitations(stranger, course.id)).rejects.toBeInstanceOf(ForbiddenError);
    const [cancelled] = await pending("cancelled@example.com");
    await expect(cancelInvitation(stranger, course.id, cancelled.id)).rejects.toBeInstanceOf(ForbiddenError);
    await cancelInvitation(instructor, course.id, cancelled.id);
    await new Promise((r) => setTimeout(r, 1100)); // the lapsed invitation's access ends before its sign-up

    for (const email of ["cancelled@example.com", "lapsed@example.com"]) {
      const u = await registerUser({ name: "Late", email, password: PASSWORD }, client);
      expect(await decision(u)).toMatchObject({ allowed: false, reason: "not-enrolled" });
    }
    expect(await pending("cancelled@example.com", "lapsed@example.com")).toEqual([]);
  });
});
