import "server-only";
import { cache } from "react";
import { db } from "@/lib/db";
import { courseAccessFrom, courseFactsSelect, enrollmentState, lessonAccessFrom, lessonDecisions, type Viewer } from "@/lib/access";
import type { AccessContext } from "@/lib/audit/events";
import { recordDenial } from "@/lib/audit/record";
import { NotFoundError } from "@/lib/errors";
import { lessonMedia } from "@/lib/media/delivery";

const outlineLessonSelect = { id: true, title: true, isFreePreview: true, availableFrom: true } as const;

/** The course page: syllabus with each lesson's access decision for this viewer (cached per request, shared with generateMetadata). */
export const getCoursePage = cache(async (viewer: Viewer | null, slug: string) => {
  const course = await db.course.findUnique({
    where: { slug },
    select: {
      ...courseFactsSelect(viewer),
      summary: true,
      description: true,
      priceCents: true,
      cover: { select: { storageKey: true, status: true } },
      instructors: { select: { user: { select: { id: true, name: true } } } },
      sections: {
        orderBy: { position: "asc" },
        select: { id: true, title: true, lessons: { orderBy: { position: "asc" }, select: outlineLessonSelect } },
      },
    },
  });
  if (!course) throw new NotFoundError("Course not found.");
  const access = courseAccessFrom(viewer, course);
  const lessons = course.sections.flatMap((s) => s.lessons);
  const decisions = lessonDecisions(viewer, access, lessons);
  const completed = viewer
    ? new Set(
        (
          await db.lessonProgress.findMany({
            where: { userId: viewer.id, completed: true, lessonId: { in: lessons.map((l) => l.id) } },
            select: { lessonId: true },
          })
        ).map((p) => p.lessonId),
      )
    : new Set<string>();
  return { access, course, decisions, completed, lessonCount: lessons.length };
});

/**
 * Everything one lesson page shows, with one access decision: the course outline (one
 * statement per table: course with the viewer's facts, enrolment, sections, lessons), then,
 * only when access allows it, the lesson's body and the viewer's progress, and the media
 * (lib/media/delivery, from the same decision, which records what it issued in the access
 * log); a refusal is recorded as a LESSON_PAGE event (ADR 047). Cached per request (React
 * `cache`: pass the same `context` object, lib/http/request-context.ts), so generateMetadata
 * and the page share one load. Throws NotFoundError for a hidden or unknown lesson, or one that
 * is not in the course named by `slug`.
 */
export const loadLessonView = cache(async (viewer: Viewer | null, slug: string, lessonId: string, context: AccessContext) => {
  const course = await db.course.findUnique({
    where: { slug },
    select: {
      ...courseFactsSelect(viewer),
      sections: {
        orderBy: { position: "asc" },
        select: { id: true, title: true, lessons: { orderBy: { position: "asc" }, select: outlineLessonSelect } },
      },
    },
  });
  const ordered = course ? course.sections.flatMap((s) => s.lessons) : [];
  const index = ordered.findIndex((l) => l.id === lessonId);
  if (!course || index < 0) throw new NotFoundError("Lesson not found.");
  const access = lessonAccessFrom(viewer, course, ordered[index]);
  const allowed = access.decision.allowed;
  await recordDenial(viewer, access, "LESSON_PAGE", context);
  const details = allowed
    ? await db.lesson.findUniqueOrThrow({
        where: { id: lessonId },
        select: {
          body: true,
          progress: viewer ? { where: { userId: viewer.id }, select: { completed: true, lastPositionSeconds: true }, take: 1 } : false,
        },
      })
    : null;
  return {
    access,
    course,
    lesson: { ...ordered[index], body: details ? details.body : null },
    decisions: lessonDecisions(viewer, access, ordered),
    previous: index > 0 ? ordered[index - 1] : null,
    next: index < ordered.length - 1 ? ordered[index + 1] : null,
    progress: details?.progress?.[0] ?? null,
    media: allowed ? await lessonMedia(access, viewer, context) : null,
  };
});

export type LessonView = Awaited<ReturnType<typeof loadLessonView>>;

/** The lesson page's <title>. */
export function lessonViewTitle(view: LessonView): string {
  return `${view.lesson.title} · ${view.course.title}`;
}

/** My learning: enrolled courses with completion. */
export async function getDashboard(viewer: Viewer) {
  const now = new Date();
  const enrollments = await db.enrollment.findMany({
    where: { userId: viewer.id },
    orderBy: { createdAt: "desc" },
    select: {
      id: true,
      status: true,
      expiresAt: true,
      source: true,
      course: {
        select: {
          id: true,
          slug: true,
          title: true,
          summary: true,
          published: true,
          sections: { orderBy: { position: "asc" }, select: { lessons: { orderBy: { position: "asc" }, select: { id: true } } } },
        },
      },
    },
  });
  const lessonIds = enrollments.flatMap((e) => e.course.sections.flatMap((s) => s.lessons.map((l) => l.id)));
  const done = new Set(
    (
      await db.lessonProgress.findMany({
        where: { userId: viewer.id, completed: true, lessonId: { in: lessonIds } },
        select: { lessonId: true },
      })
    ).map((p) => p.lessonId),
  );
  return enrollments
    .filter((e) => e.course.published)
    .map((e) => {
      const ids = e.course.sections.flatMap((s) => s.lessons.map((l) => l.id));
      const completed = ids.filter((id) => done.has(id)).length;
      return {
        enrollmentId: e.id,
        state: enrollmentState(e, now),
        expiresAt: e.expiresAt,
        course: { id: e.course.id, slug: e.course.slug, title: e.course.title, summary: e.course.summary },
        total: ids.length,
        completed,
        percent: ids.length ? Math.round((completed / ids.length) * 100) : 0,
        nextLessonId: ids.find((id) => !done.has(id)) ?? ids[0] ?? null,
      };
    });
}
