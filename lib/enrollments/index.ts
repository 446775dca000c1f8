import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { enrollmentState, getCourseAccess, requireCourseManager, type Viewer } from "@/lib/access";
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { emailField, optionalDate, parseInput } from "@/lib/validation";
import { invite } from "./invitations";

export { cancelInvitation, claimInvitations, listInvitations } from "./invitations";

const REVOKED_MESSAGE = "Your enrolment in this course was revoked. Contact the instructor.";

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

export const accessCodeSchema = z
  .string()
  .trim()
  .toUpperCase()
  .min(4, "Enter the access code you were given.")
  .max(64, "That code is too long.")
  .regex(/^[A-Z0-9-]+$/, "Access codes contain only letters, digits and dashes.");

/**
 * Redeems an access code: one use per redemption, never more than maxUses, atomically
 * (two students racing for the last use cannot both get it).
 */
export async function redeemAccessCode(viewer: Viewer | null, rawCode: string) {
  if (!viewer) throw new UnauthenticatedError("Sign in to redeem a code.");
  const parsed = accessCodeSchema.safeParse(rawCode);
  if (!parsed.success) throw new ValidationError(parsed.error.issues[0].message, { code: [parsed.error.issues[0].message] });
  const code = parsed.data;
  const now = new Date();
  return db.$transaction(async (tx) => {
    const ac = await tx.accessCode.findUnique({ where: { code }, include: { course: { select: { id: true, slug: true, title: true, published: true } } } });
    if (!ac || !ac.course.published) throw new NotFoundError("This access code does not exist.");
    if (ac.expiresAt && ac.expiresAt <= now) throw new ValidationError("This access code has expired.", { code: ["This access code has expired."] });
    const existing = await tx.enrollment.findUnique({ where: { userId_courseId: { userId: viewer.id, courseId: ac.courseId } } });
    const state = enrollmentState(existing, now);
    if (state === "active") throw new ConflictError(`You are already enrolled in “${ac.course.title}”.`);
    if (state === "revoked") throw new ForbiddenError(REVOKED_MESSAGE);
    const claimed = await tx.accessCode.updateMany({
      where: { id: ac.id, uses: { lt: ac.maxUses } },
      data: { uses: { increment: 1 } },
    });
    if (claimed.count === 0) throw new ValidationError("This access code has already been used the maximum number of times.", { code: ["This access code has already been used the maximum number of times."] });
    const data = { status: "ACTIVE" as const, source: "CODE" as const, accessCodeId: ac.id, expiresAt: null, revokedAt: null };
    if (existing) await tx.enrollment.update({ where: { id: existing.id }, data });
    else await tx.enrollment.create({ data: { ...data, userId: viewer.id, courseId: ac.courseId } });
    return ac.course;
  });
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

export async function listAccessCodes(viewer: Viewer | null, courseId: string) {
  await requireCourseManager(viewer, courseId);
  return db.accessCode.findMany({ where: { courseId }, orderBy: { createdAt: "desc" } });
}

export const newAccessCodeSchema = z.object({
  code: z
    .string()
    .trim()
    .toUpperCase()
    .min(4, "Use at least 4 characters.")
    .max(64, "Use at most 64 characters.")
    .regex(/^[A-Z0-9-]+$/, "Use only letters, digits and dashes."),
  maxUses: z.coerce.number().int("Whole number.").min(1, "At least 1 use.").max(100_000, "At most 100000 uses."),
  expiresAt: optionalDate,
});

export async function createAccessCode(viewer: Viewer | null, courseId: string, input: z.input<typeof newAccessCodeSchema>) {
  await requireCourseManager(viewer, courseId);
  const data = parseInput(newAccessCodeSchema, input);
  try {
    return await db.accessCode.create({ data: { ...data, courseId, createdById: viewer!.id } });
  } catch (e) {
    if ((e as { code?: string }).code === "P2002") throw new ConflictError("That code is already in use. Pick another.");
    throw e;
  }
}
