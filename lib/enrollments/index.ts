import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { enrollmentState, getCourseAccess, requireCourseManager, type Viewer } from "@/lib/access";
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { emailField, optionalDate, parseInput } from "@/lib/validation";
import { REVOKED_MESSAGE } from "./access-codes";
import { invite } from "./invitations";

export { cancelInvitation, claimInvitations, listInvitations } from "./invitations";
export { createAccessCode, INVALID_CODE, listAccessCodes, newAccessCodeSchema, redeemAccessCode } from "./access-codes";


/** Self-enrolment in a free course. Idempotent for an active enrolment; re-activates nothing that staff revoked. */
export async function enrollInFreeCourse(viewer: Viewer | null, courseId: string) {
  if (!viewer) throw new UnauthenticatedError("Sign in to enrol.");
  const access = await getCourseAccess(viewer, { id: courseId });
  if (!access.course.published) throw new ForbiddenError("This course is not open for enrolment.");
  if (!access.course.isFree) throw new ForbiddenError("This is a paid course: redeem an access code to enrol.");
  const existing = await db.enrollment.findUnique({ where: { userId_courseId: { userId: viewer.id, courseId } } });
  const state = enrollmentState(existing, new Date());
  if (state === "revoked") throw new ForbiddenError(REVOKED_MESSAGE);
  // An expired free enrolment is renewed by enrolling again.
  if (existing && state === "expired") return db.enrollment.update({ where: { id: existing.id }, data: { expiresAt: null } });
  if (existing) return existing;
  return db.enrollment.create({ data: { userId: viewer.id, courseId, source: "FREE", status: "ACTIVE" } });
}

export const grantSchema = z.object({
  email: emailField("Enter the student's email address."),
  expiresAt: optionalDate,
});

/**
 * Instructor/admin grant (or re-grant) of a course to an email, with an optional expiry. It
 * answers the same whether or not an account uses the email: an account is enrolled (a revoked
 * or expired enrolment re-activated), an unknown email gets an invitation that becomes an
 * enrolment when an account with that email is created (./invitations.ts).
 */
export async function grantEnrollment(viewer: Viewer | null, courseId: string, input: z.input<typeof grantSchema>): Promise<{ email: string }> {
  await requireCourseManager(viewer, courseId);
  const { email, expiresAt } = parseInput(grantSchema, input);
  if (expiresAt && expiresAt <= new Date()) throw new ValidationError("The expiry must be in the future.", { expiresAt: ["The expiry must be in the future."] });
  const user = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) {
    await invite(courseId, email, expiresAt, viewer!.id);
    return { email };
  }
  await db.enrollment.upsert({
    where: { userId_courseId: { userId: user.id, courseId } },
    create: { userId: user.id, courseId, source: "GRANT", status: "ACTIVE", expiresAt, grantedById: viewer!.id },
    update: { status: "ACTIVE", expiresAt, revokedAt: null, grantedById: viewer!.id },
  });
  return { email };
}

export async function revokeEnrollment(viewer: Viewer | null, courseId: string, enrollmentId: string) {
  await requireCourseManager(viewer, courseId);
  const e = await db.enrollment.findUnique({ where: { id: enrollmentId } });
  if (!e || e.courseId !== courseId) throw new NotFoundError("Enrolment not found.");
  return db.enrollment.update({ where: { id: e.id }, data: { status: "REVOKED", revokedAt: new Date() } });
}

export async function setEnrollmentExpiry(viewer: Viewer | null, courseId: string, enrollmentId: string, expiresAt: Date | null) {
  await requireCourseManager(viewer, courseId);
  const e = await db.enrollment.findUnique({ where: { id: enrollmentId } });
  if (!e || e.courseId !== courseId) throw new NotFoundError("Enrolment not found.");
  return db.enrollment.update({ where: { id: e.id }, data: { expiresAt } });
}

export async function listCourseEnrollments(viewer: Viewer | null, courseId: string) {
  await requireCourseManager(viewer, courseId);
  return db.enrollment.findMany({
    where: { courseId },
    orderBy: { createdAt: "desc" },
    include: { user: { select: { id: true, email: true, name: true } } },
  });
}
