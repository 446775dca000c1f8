import "server-only";
import { db } from "@/lib/db";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import {
  type AccessDecision,
  type CourseFacts,
  type EnrollmentFacts,
  type Viewer,
  canAuthorCourses,
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

const courseFactsSelect = {
  id: true,
  slug: true,
  title: true,
  published: true,
  isFree: true,
  instructors: { select: { userId: true } },
} as const;

type CourseRow = {
  id: string;
  slug: string;
  title: string;
  published: boolean;
  isFree: boolean;
  instructors: { userId: string }[];
};

function toCourseFacts(c: CourseRow): CourseFacts & { slug: string; title: string } {
  return {
    id: c.id,
    slug: c.slug,
    title: c.title,
    published: c.published,
    isFree: c.isFree,
    instructorIds: c.instructors.map((i) => i.userId),
  };
}

async function loadEnrollment(viewer: Viewer | null, courseId: string): Promise<EnrollmentFacts | null> {
  if (!viewer) return null;
  return db.enrollment.findUnique({
    where: { userId_courseId: { userId: viewer.id, courseId } },
    select: { status: true, expiresAt: true },
  });
}

export interface CourseAccess {
  course: CourseFacts & { slug: string; title: string };
  decision: AccessDecision;
  canManage: boolean;
  enrollment: EnrollmentFacts | null;
}

/** Access to a course by id or slug. Throws NotFoundError when it does not exist or is hidden from the viewer. */
export async function getCourseAccess(
  viewer: Viewer | null,
  where: { id: string } | { slug: string },
  now = new Date(),
): Promise<CourseAccess> {
  const row = await db.course.findUnique({ where, select: courseFactsSelect });
  if (!row) throw new NotFoundError("Course not found.");
  const course = toCourseFacts(row);
  if (!canViewCourse(viewer, course)) throw new NotFoundError("Course not found.");
  const enrollment = await loadEnrollment(viewer, course.id);
  return {
    course,
    enrollment,
    decision: decideCourseAccess(viewer, course, enrollment, now),
    canManage: canManageCourse(viewer, course),
  };
}

export interface LessonAccess extends CourseAccess {
  lesson: { id: string; isFreePreview: boolean; availableFrom: Date | null; courseId: string };
}

/** Access to one lesson (its body and media). Throws NotFoundError when the lesson or course is hidden. */
export async function getLessonAccess(viewer: Viewer | null, lessonId: string, now = new Date()): Promise<LessonAccess> {
  const row = await db.lesson.findUnique({
    where: { id: lessonId },
    select: {
      id: true,
      isFreePreview: true,
      availableFrom: true,
      section: { select: { course: { select: courseFactsSelect } } },
    },
  });
  if (!row) throw new NotFoundError("Lesson not found.");
  const course = toCourseFacts(row.section.course);
  if (!canViewCourse(viewer, course)) throw new NotFoundError("Lesson not found.");
  const enrollment = await loadEnrollment(viewer, course.id);
  const lesson = { id: row.id, isFreePreview: row.isFreePreview, availableFrom: row.availableFrom, courseId: course.id };
  return {
    course,
    lesson,
    enrollment,
    decision: decideLessonAccess(viewer, course, lesson, enrollment, now),
    canManage: canManageCourse(viewer, course),
  };
}

/** Throws unless the viewer may open the lesson now (for route handlers and actions). */
export async function requireLessonAccess(viewer: Viewer | null, lessonId: string, now = new Date()): Promise<LessonAccess> {
  const access = await getLessonAccess(viewer, lessonId, now);
  if (!access.decision.allowed) {
    if (access.decision.reason === "unauthenticated") throw new UnauthenticatedError();
    throw new ForbiddenError("You do not have access to this lesson.", access.decision.reason);
  }
  return access;
}

/** Throws unless the viewer is an instructor of the course or an admin. */
export async function requireCourseManager(viewer: Viewer | null, courseId: string): Promise<CourseAccess> {
  if (!viewer) throw new UnauthenticatedError();
  const row = await db.course.findUnique({ where: { id: courseId }, select: courseFactsSelect });
  if (!row) throw new NotFoundError("Course not found.");
  const course = toCourseFacts(row);
  if (!canManageCourse(viewer, course)) throw new ForbiddenError("Only the course's instructors can do this.");
  const enrollment = await loadEnrollment(viewer, course.id);
  return { course, enrollment, decision: decideCourseAccess(viewer, course, enrollment, new Date()), canManage: true };
}

/** Throws unless the viewer may author courses at all (instructor or admin role). */
export function requireInstructorRole<V extends Viewer>(viewer: V | null): V {
  if (!viewer) throw new UnauthenticatedError();
  if (!canAuthorCourses(viewer)) throw new ForbiddenError("Only instructors can create courses.");
  return viewer;
}

/** Which of these lessons may the viewer open now? (syllabus rendering, one query per course). */
export function lessonDecisions(
  viewer: Viewer | null,
  access: Pick<CourseAccess, "course" | "enrollment">,
  lessons: { id: string; isFreePreview: boolean; availableFrom: Date | null }[],
  now = new Date(),
): Map<string, AccessDecision> {
  return new Map(lessons.map((l) => [l.id, decideLessonAccess(viewer, access.course, l, access.enrollment, now)]));
}
