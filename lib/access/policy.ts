/**
 * The access rules, as pure functions (no I/O): who may see which course or lesson
 * at a given instant. lib/access/index.ts loads the facts from the database and asks
 * these; nothing else in the code base decides access.
 */

import { isoDate, isoMinute } from "@/lib/format";

export type Role = "STUDENT" | "INSTRUCTOR" | "ADMIN";

export interface Viewer {
  id: string;
  role: Role;
}

export interface CourseFacts {
  id: string;
  published: boolean;
  isFree: boolean;
  /** Who teaches the course; a loader reading for one viewer may list only that viewer (lib/access). */
  instructorIds: readonly string[];
}

export interface LessonFacts {
  id: string;
  isFreePreview: boolean;
  availableFrom: Date | null;
}

export interface EnrollmentFacts {
  status: "ACTIVE" | "REVOKED";
  expiresAt: Date | null;
}

export type GrantReason = "admin" | "instructor" | "enrolled" | "free-preview";

export type DenyReason =
  | "unauthenticated" // a signed-in user might get access
  | "not-published" // the course is not visible to this viewer
  | "not-enrolled"
  | "enrollment-revoked"
  | "enrollment-expired"
  | "not-yet-available"; // drip: the lesson opens later

export type AccessDecision =
  | { allowed: true; reason: GrantReason }
  | { allowed: false; reason: DenyReason; availableFrom?: Date; expiredAt?: Date };

/** Roles that may author courses (the instructor area). */
export function isInstructorRole(role: Role | null | undefined): boolean {
  return role === "INSTRUCTOR" || role === "ADMIN";
}

/** May this viewer create courses and use the instructor area? */
export function canAuthorCourses(viewer: Viewer | null): boolean {
  return isInstructorRole(viewer?.role);
}

/** Administrators manage every course, whoever teaches it. */
export function isAdmin(viewer: Viewer | null): boolean {
  return viewer?.role === "ADMIN";
}

/** May this viewer list users, disable them, change their roles and end their sessions (/admin/users)? */
export function canAdministerUsers(viewer: Viewer | null): boolean {
  return isAdmin(viewer);
}

/** May this viewer act on this account's sign-in (end its sessions, link or unlink GitHub)? Its owner or an admin. */
export function canManageAccount(viewer: Viewer | null, userId: string): boolean {
  return viewer !== null && (viewer.id === userId || canAdministerUsers(viewer));
}

/**
 * Staff of a course: admins, and its instructors while their role is still instructor. An account
 * made a student stays listed as an instructor (co-authors, history) but loses every staff right
 * on the next request: teaching a course is not a role (ADR 048).
 */
export function isStaff(viewer: Viewer | null, course: CourseFacts): "admin" | "instructor" | null {
  if (!viewer) return null;
  if (isAdmin(viewer)) return "admin";
  if (isInstructorRole(viewer.role) && course.instructorIds.includes(viewer.id)) return "instructor";
  return null;
}

/** May this viewer see the course page (syllabus, description)? */
export function canViewCourse(viewer: Viewer | null, course: CourseFacts): boolean {
  return course.published || isStaff(viewer, course) !== null;
}

/** May this viewer edit the course, its lessons, media and enrolments? */
export function canManageCourse(viewer: Viewer | null, course: CourseFacts): boolean {
  return isStaff(viewer, course) !== null;
}

/** Enrolment state alone, at `now`. */
export function enrollmentState(
  enrollment: EnrollmentFacts | null,
  now: Date,
): "active" | "none" | "revoked" | "expired" {
  if (!enrollment) return "none";
  if (enrollment.status === "REVOKED") return "revoked";
  if (enrollment.expiresAt && enrollment.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** Full access to the course content (every lesson that is available). */
export function decideCourseAccess(
  viewer: Viewer | null,
  course: CourseFacts,
  enrollment: EnrollmentFacts | null,
  now: Date,
): AccessDecision {
  const staff = isStaff(viewer, course);
  if (staff) return { allowed: true, reason: staff };
  if (!course.published) return { allowed: false, reason: "not-published" };
  if (!viewer) return { allowed: false, reason: "unauthenticated" };
  switch (enrollmentState(enrollment, now)) {
    case "active":
      return { allowed: true, reason: "enrolled" };
    case "revoked":
      return { allowed: false, reason: "enrollment-revoked" };
    case "expired":
      return { allowed: false, reason: "enrollment-expired", expiredAt: enrollment!.expiresAt! };
    default:
      return { allowed: false, reason: "not-enrolled" };
  }
}

/** May this viewer open this lesson (its body and its media) now? */
export function decideLessonAccess(
  viewer: Viewer | null,
  course: CourseFacts,
  lesson: LessonFacts,
  enrollment: EnrollmentFacts | null,
  now: Date,
): AccessDecision {
  const staff = isStaff(viewer, course);
  if (staff) return { allowed: true, reason: staff };
  if (!course.published) return { allowed: false, reason: "not-published" };
  // Drip applies to everyone but staff, previews included: nothing opens before its date.
  if (lesson.availableFrom && lesson.availableFrom.getTime() > now.getTime()) {
    return { allowed: false, reason: "not-yet-available", availableFrom: lesson.availableFrom };
  }
  const course_ = decideCourseAccess(viewer, course, enrollment, now);
  if (course_.allowed) return course_;
  if (lesson.isFreePreview) return { allowed: true, reason: "free-preview" };
  return course_;
}

/** What a person can do about a denial, for the 403 page. */
export function explainDenial(decision: Extract<AccessDecision, { allowed: false }>, course: { isFree: boolean }): {
  title: string;
  detail: string;
  action: "sign-in" | "enrol" | "redeem" | "wait" | "contact" | "browse";
} {
  switch (decision.reason) {
    case "unauthenticated":
      return { title: "Sign in to continue", detail: "This lesson is for enrolled students. Sign in first.", action: "sign-in" };
    case "not-published":
      return { title: "Course not available", detail: "This course is not published.", action: "browse" };
    case "not-enrolled":
      return course.isFree
        ? { title: "Enrol to watch this lesson", detail: "This course is free: enrol to open every lesson.", action: "enrol" }
        : {
            title: "This lesson is for enrolled students",
            detail: "This is a paid course. Redeem an access code, or ask the instructor to grant you access.",
            action: "redeem",
          };
    case "enrollment-revoked":
      return {
        title: "Your access was revoked",
        detail: "An instructor or administrator revoked your enrolment in this course. Contact them if this is a mistake.",
        action: "contact",
      };
    case "enrollment-expired":
      return {
        title: "Your access has expired",
        detail: `Your enrolment ended on ${decision.expiredAt ? isoDate(decision.expiredAt) : "an earlier date"}. Redeem a new access code or ask the instructor to extend it.`,
        action: "redeem",
      };
    case "not-yet-available":
      return {
        title: "This lesson opens later",
        detail: `It becomes available on ${decision.availableFrom ? isoMinute(decision.availableFrom) : "a later date"} UTC.`,
        action: "wait",
      };
  }
}
