import "server-only";
import { db } from "@/lib/db";
import { enrollmentState, getCourseAccess, getLessonAccess, lessonDecisions, type Viewer } from "@/lib/access";

/** Published courses for the catalogue, with instructor names and lesson counts. */
export async function listPublishedCourses(search?: string) {
  const q = search?.trim();
  const courses = await db.course.findMany({
    where: {
      published: true,
      ...(q ? { OR: [{ title: { contains: q } }, { summary: { contains: q } }] } : {}),
    },
    orderBy: [{ publishedAt: "desc" }, { title: "asc" }],
    select: {
      id: true,
      slug: true,
      title: true,
      summary: true,
      isFree: true,
      priceCents: true,
      published: true,
      cover: { select: { storageKey: true, status: true } },
      instructors: { select: { userId: true, user: { select: { name: true } } } },
      sections: { select: { _count: { select: { lessons: true } } } },
    },
  });
  return courses.map((c) => ({
    id: c.id,
    slug: c.slug,
    title: c.title,
    summary: c.summary,
    isFree: c.isFree,
    priceCents: c.priceCents,
    published: c.published,
    cover: c.cover,
    instructorIds: c.instructors.map((i) => i.userId),
    instructorNames: c.instructors.map((i) => i.user.name),
    lessonCount: c.sections.reduce((n, s) => n + s._count.lessons, 0),
  }));
}

export type CatalogueCourse = Awaited<ReturnType<typeof listPublishedCourses>>[number];

/** The course page: syllabus with each lesson's access decision for this viewer. */
export async function getCoursePage(viewer: Viewer | null, slug: string) {
  const access = await getCourseAccess(viewer, { slug });
  const course = await db.course.findUniqueOrThrow({
    where: { id: access.course.id },
    select: {
      id: true,
      slug: true,
      title: true,
      summary: true,
      description: true,
      published: true,
      isFree: true,
      priceCents: true,
      cover: { select: { storageKey: true, status: true } },
      instructors: { select: { user: { select: { id: true, name: true } } } },
      sections: {
        orderBy: { position: "asc" },
        select: {
          id: true,
          title: true,
          lessons: {
            orderBy: { position: "asc" },
            select: { id: true, title: true, isFreePreview: true, availableFrom: true },
          },
        },
      },
    },
  });
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
}

/** The lesson page: the lesson, its course outline and neighbours. Body only when access allows it. */
export async function getLessonPage(viewer: Viewer | null, slug: string, lessonId: string) {
  const access = await getLessonAccess(viewer, lessonId);
  if (access.course.slug !== slug) return null;
  const course = await db.course.findUniqueOrThrow({
    where: { id: access.course.id },
    select: {
      id: true,
      slug: true,
      title: true,
      isFree: true,
      sections: {
        orderBy: { position: "asc" },
        select: {
          id: true,
          title: true,
          lessons: { orderBy: { position: "asc" }, select: { id: true, title: true, isFreePreview: true, availableFrom: true } },
        },
      },
    },
  });
  const ordered = course.sections.flatMap((s) => s.lessons);
  const index = ordered.findIndex((l) => l.id === lessonId);
  const lesson = await db.lesson.findUniqueOrThrow({
    where: { id: lessonId },
    select: { id: true, title: true, isFreePreview: true, availableFrom: true, body: access.decision.allowed },
  });
  const progress = viewer
    ? await db.lessonProgress.findUnique({ where: { userId_lessonId: { userId: viewer.id, lessonId } } })
    : null;
  return {
    access,
    course,
    lesson,
    decisions: lessonDecisions(viewer, access, ordered),
    previous: index > 0 ? ordered[index - 1] : null,
    next: index >= 0 && index < ordered.length - 1 ? ordered[index + 1] : null,
    progress,
  };
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
