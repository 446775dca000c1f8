import "server-only";
import { db } from "@/lib/db";
import { requireCourseManager, type Viewer } from "@/lib/access";
import { NotFoundError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * Invitations: access granted by email to someone who has no account yet. The grant answers the
 * same whether or not the email has an account (lib/enrollments `grantEnrollment`); for an
 * unknown email it stores an invitation, which grants nothing (lib/access reads enrolments
 * only) until an account with that email is created: then `claimInvitations` turns it into an
 * ACTIVE enrolment, in the transaction that creates the account (sign-up in lib/auth/users.ts,
 * a new GitHub account in lib/auth/github.ts).
 *
 * A password sign-up does not prove that its author owns the email (there is no email
 * verification), so whoever signs up first with an invited email gets the invitation, exactly
 * as whoever had signed up first with it got a grant before invitations existed; a GitHub
 * account proves it (its email is verified).
 */

type Tx = Prisma.TransactionClient;

/** Stores (or renews) an invitation of `email` to the course. */
export async function invite(courseId: string, email: string, expiresAt: Date | null, grantedById: string): Promise<void> {
  await db.invitation.upsert({
    where: { email_courseId: { email, courseId } },
    create: { email, courseId, expiresAt, grantedById },
    update: { expiresAt, grantedById },
  });
  // An account created meanwhile (its sign-up may have looked before this invitation existed).
  const user = await db.user.findUnique({ where: { email }, select: { id: true, email: true } });
  if (user) await db.$transaction((tx) => claimInvitations(tx, user));
}

/**
 * Turns the pending invitations of this account's email into ACTIVE enrolments (those whose
 * access has not already ended) and deletes them. Runs in the transaction creating the account.
 */
export async function claimInvitations(tx: Tx, user: { id: string; email: string }, now = new Date()): Promise<number> {
  const pending = await tx.invitation.findMany({ where: { email: user.email } });
  let enrolled = 0;
  for (const inv of pending) {
    if (inv.expiresAt && inv.expiresAt <= now) continue;
    await tx.enrollment.upsert({
      where: { userId_courseId: { userId: user.id, courseId: inv.courseId } },
      create: { userId: user.id, courseId: inv.courseId, source: "GRANT", status: "ACTIVE", expiresAt: inv.expiresAt, grantedById: inv.grantedById },
      update: {},
    });
    enrolled++;
  }
  if (pending.length) await tx.invitation.deleteMany({ where: { id: { in: pending.map((i) => i.id) } } });
  return enrolled;
}

/** The course's pending invitations, newest first (course managers only). */
export async function listInvitations(viewer: Viewer | null, courseId: string) {
  await requireCourseManager(viewer, courseId);
  return db.invitation.findMany({
    where: { courseId },
    orderBy: { createdAt: "desc" },
    select: { id: true, email: true, expiresAt: true, createdAt: true },
  });
}

/** Cancels a pending invitation (course managers only). */
export async function cancelInvitation(viewer: Viewer | null, courseId: string, invitationId: string): Promise<void> {
  await requireCourseManager(viewer, courseId);
  const { count } = await db.invitation.deleteMany({ where: { id: String(invitationId), courseId } });
  if (count === 0) throw new NotFoundError("Invitation not found.");
}
