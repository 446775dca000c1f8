import "server-only";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import {
  type AccessDecision,
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
} from "./policy";

export * from "./policy";

/**
 * The one authority on who may see what, now. Pages, route handlers, server actions
 * and media delivery call these functions; they read the facts from the database on
 * every call, so a revoked or expired enrolment takes effect on the next request.
 */

/**
 * What a course's access decisions read, for one viewer: the course row, whether the viewer
 * teaches it (a count, in the same SQL statement as the course) and the viewer's enrolment.
 * Loaders that need more of the course spread this into their own `select`.
 */
export function courseFactsSelect(viewer: Viewer | null) {
  return {
    id: true,
    slug: true,
    title: true,
    published: true,
    isFree: true,
    _count: { select: { instructors: { where: { userId: viewer?.id ?? "" } } } },
    enrollments: viewer ? { where: { userId: viewer.id }, select: { status: true, expiresAt: true }, take: 1 } : false,
  } satisfies Prisma.CourseSelect;
}

/** The row `courseFactsSelect` reads. */
export interface CourseFactsRow {
  id: string;
  slug: string;
  title: string;
  published: boolean;
  isFree: boolean;
  _count: { instructors: number };
  enrollments?: EnrollmentFacts[];
}

type NamedCourseFacts = CourseFacts & { slug: string; title: string };

/**
 * The facts as seen by this viewer. `instructorIds` lists the viewer when they teach the
 * course and nobody else: every decision about this viewer needs nothing more.
 */
function factsOf(viewer: Viewer | null, row: CourseFactsRow): { course: NamedCourseFacts; enrollment: EnrollmentFacts | null } {
  const teaches = viewer !== null && row._count.instructors > 0;
  return {
    course: {
      id: row.id,
      slug: row.slug,
      title: row.title,
      published: row.published,
      isFree: row.isFree,
      instructorIds: teaches ? [viewer.id] : [],
    },
    enrollment: row.enrollments?.[0] ?? null,
  };
}

export interface CourseAccess {
  course: NamedCourseFacts;
  decision: AccessDecision;
  canManage: boolean;
  enrollment: EnrollmentFacts | null;
}

/** Access to a course from its facts row. Throws NotFoundError when the course is hidden from the viewer. */
export function courseAccessFrom(viewer: Viewer | null, row: CourseFactsRow, now = new Date()): CourseAccess {
  const { course, enrollment } = factsOf(viewer, row);
  if (!canViewCourse(viewer, course)) throw new NotFoundError("Course not found.");
  return {
    course,
    enrollment,
    decision: decideCourseAccess(viewer, course, enrollment, now),
    canManage: canManageCourse(viewer, course),
  };
}

/** Access to a course by id or slug. Throws NotFoundError when it does not exist or is hidden from the viewer. */
export async function getCourseAccess(
  viewer: Viewer | null,
  where: { id: string } | { slug: string },
  now = new Date(),
): Promise<CourseAccess> {
  const row = await db.course.findUnique({ where, select: courseFactsSelect(viewer) });
  if (!row) throw new NotFoundError("Course not found.");
  return courseAccessFrom(viewer, row, now);
}

export interface LessonAccess extends CourseAccess {
  lesson: { id: string; isFreePreview: boolean; availableFrom: Date | null; courseId: string };
}

/** Access to one lesson of a course, from the course's facts row and the lesson's. Throws NotFoundError when hidden. */
export function lessonAccessFrom(viewer: Viewer | null, row: CourseFactsRow, lessonFacts: LessonFacts, now = new Date()): LessonAccess {
  const { course, enrollment } = factsOf(viewer, row);
  if (!canViewCourse(viewer, course)) throw new NotFoundError("Lesson not found.");
  const lesson = { id: lessonFacts.id, isFreePreview: lessonFacts.isFreePreview, availableFrom: lessonFacts.availableFrom, courseId: course.id };
  return {
    course,
    lesson,
    enrollment,
    decision: decideLessonAccess(viewer, course, lesson, enrollment, now),
    canManage: canManageCourse(viewer, course),
  };
}

/** Access to one lesson (its body and media). Throws NotFoundError when the lesson or course is hidden. */
export async function getLessonAccess(viewer: Viewer | null, lessonId: string, now = new Date()): Promise<LessonAccess> {
  const row = await db.lesson.findUnique({
    where: { id: lessonId },
    select: {
      id: true,
      isFreePreview: true,
      availableFrom: true,
      section: { select: { course: { select: courseFactsSelect(viewer) } } },
    },
  });
  if (!row) throw new NotFoundError("Lesson not found.");
  return lessonAccessFrom(viewer, row.section.course, row, now);
}

/** Throws (401/403) unless the decision lets the viewer open the lesson; returns it otherwise. */
export function assertLessonAllowed(access: LessonAccess): LessonAccess {
  if (!access.decision.allowed) {
    if (access.decision.reason === "unauthenticated") throw new UnauthenticatedError();
    throw new ForbiddenError("You do not have access to this lesson.", access.decision.reason);
  }
  return access;
}

/** Throws unless the viewer may open the lesson now (for route handlers and actions). */
export async function requireLessonAccess(viewer: Viewer | null, lessonId: string, now = new Date()): Promise<LessonAccess> {
  return assertLessonAllowed(await getLessonAccess(viewer, lessonId, now));
}

/** Throws unless the viewer is an instructor of the course or an admin. */
export async function requireCourseManager(viewer: Viewer | null, courseId: string): Promise<CourseAccess> {
  if (!viewer) throw new UnauthenticatedError();
  const row = await db.course.findUnique({ where: { id: courseId }, select: courseFactsSelect(viewer) });
  if (!row) throw new NotFoundError("Course not found.");
  const { course, enrollment } = factsOf(viewer, row);
  if (!canManageCourse(viewer, course)) throw new ForbiddenError("Only the course's instructors can do this.");
  return { course, enrollment, decision: decideCourseAccess(viewer, course, enrollment, new Date()), canManage: true };
}

/** Throws unless the viewer may author courses at all (instructor or admin role). */
export function requireInstructorRole<V extends Viewer>(viewer: V | null): V {
  if (!viewer) throw new UnauthenticatedError();
  if (!canAuthorCourses(viewer)) throw new ForbiddenError("Only instructors can create courses.");
  return viewer;
}

/** Throws unless the viewer may administer users (admins). */
export function requireUserAdmin<V extends Viewer>(viewer: V | null): V {
  if (!viewer) throw new UnauthenticatedError();
  if (!canAdministerUsers(viewer)) throw new ForbiddenError("Only administrators can manage users.", "admin-only");
  return viewer;
}

/** Throws unless the viewer may act on this account's sign-in (its owner or an admin). */
export function requireAccountManager<V extends Viewer>(viewer: V | null, userId: string): V {
  if (!viewer) throw new UnauthenticatedError();
  if (!canManageAccount(viewer, userId)) throw new ForbiddenError("You can only manage your own account.");
  return viewer;
}

/** Which of these lessons may the viewer open now? (syllabus rendering, one query per course). */
export function lessonDecisions(
  viewer: Viewer | null,
  access: Pick<CourseAccess, "course" | "enrollment">,
  lessons: LessonFacts[],
  now = new Date(),
): Map<string, AccessDecision> {
  return new Map(lessons.map((l) => [l.id, decideLessonAccess(viewer, access.course, l, access.enrollment, now)]));
}
