import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { isAdmin, requireCourseManager, requireInstructorRole, type Viewer } from "@/lib/access";
import { NotFoundError, ValidationError } from "@/lib/errors";
import { checkbox, optionalDate, parseInput } from "@/lib/validation";

const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, "Use at least 3 characters.")
  .max(80, "Use at most 80 characters.")
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, "Use lowercase letters, digits and single dashes (e.g. intro-to-sql).");

export const courseSchema = z
  .object({
    title: z.string().trim().min(3, "Use at least 3 characters.").max(120, "Use at most 120 characters."),
    slug: slugSchema,
    summary: z.string().trim().min(10, "Write at least 10 characters.").max(300, "Use at most 300 characters."),
    description: z.string().trim().max(20_000, "Use at most 20000 characters.").default(""),
    isFree: checkbox,
    price: z
      .string()
      .trim()
      .optional()
      .transform((v, ctx) => {
        if (!v) return null;
        if (!/^\d{1,6}(\.\d{1,2})?$/.test(v)) {
          ctx.addIssue({ code: "custom", message: "Enter a price like 49 or 49.99." });
          return z.NEVER;
        }
        return Math.round(Number(v) * 100);
      }),
  })
  .transform((c) => ({ ...c, priceCents: c.isFree ? null : c.price }));

function courseColumns(data: z.infer<typeof courseSchema>) {
  const { title, slug, summary, description, isFree, priceCents } = data;
  return { title, slug, summary, description, isFree, priceCents };
}

function slugTaken(e: unknown) {
  return (e as { code?: string }).code === "P2002";
}

export async function createCourse(viewer: Viewer | null, input: unknown) {
  const author = requireInstructorRole(viewer);
  const data = parseInput(courseSchema, input);
  try {
    return await db.course.create({ data: { ...courseColumns(data), instructors: { create: { userId: author.id } } } });
  } catch (e) {
    if (slugTaken(e)) throw new ValidationError("That URL slug is taken.", { slug: ["That URL slug is taken."] });
    throw e;
  }
}

export async function updateCourse(viewer: Viewer | null, courseId: string, input: unknown) {
  await requireCourseManager(viewer, courseId);
  const data = parseInput(courseSchema, input);
  try {
    return await db.course.update({ where: { id: courseId }, data: courseColumns(data) });
  } catch (e) {
    if (slugTaken(e)) throw new ValidationError("That URL slug is taken.", { slug: ["That URL slug is taken."] });
    throw e;
  }
}

/**
 * Publish checks: a course needs at least one section with one lesson, and no lesson may have
 * a video still uploading or processing that is not yet its current video (students would get
 * the old video or none). Abandoned uploads (past their expiry) do not count.
 */
export async function publishCourse(viewer: Viewer | null, courseId: string, published: boolean) {
  await requireCourseManager(viewer, courseId);
  if (published) {
    const lessons = await db.lesson.count({ where: { section: { courseId } } });
    if (lessons === 0) throw new ValidationError("Add at least one lesson before publishing.");
    const busy = await db.asset.findMany({
      where: {
        courseId,
        kind: "VIDEO",
        lessonId: { not: null },
        videoOfLesson: { is: null },
        OR: [{ status: "PROCESSING" }, { status: "UPLOADING", upload: { is: { expiresAt: { gt: new Date() } } } }],
      },
      select: { lesson: { select: { title: true, position: true, section: { select: { position: true } } } } },
    });
    const titles = [
      ...new Set(
        busy
          .flatMap((a) => (a.lesson ? [a.lesson] : []))
          .sort((a, b) => a.section.position - b.section.position || a.position - b.position)
          .map((l) => `“${l.title}”`),
      ),
    ];
    if (titles.length) {
      const list = titles.length === 1 ? titles[0] : `${titles.slice(0, -1).join(", ")} and ${titles[titles.length - 1]}`;
      throw new ValidationError(
        `${titles.length === 1 ? "The lesson" : "The lessons"} ${list} ${titles.length === 1 ? "has a video" : "have videos"} still uploading or processing: publish once ${titles.length === 1 ? "it is" : "they are"} ready.`,
      );
    }
  }
  return db.course.update({
    where: { id: courseId },
    data: { published, ...(published ? { publishedAt: new Date() } : {}) },
  });
}

export async function listTeachingCourses(viewer: Viewer) {
  const rows = await db.course.findMany({
    where: isAdmin(viewer) ? {} : { instructors: { some: { userId: viewer.id } } },
    orderBy: { updatedAt: "desc" },
    select: {
      id: true,
      slug: true,
      title: true,
      published: true,
      isFree: true,
      cover: { select: { storageKey: true, status: true } },
      instructors: { select: { userId: true } },
      _count: { select: { enrollments: true, sections: true } },
    },
  });
  return rows.map(({ instructors, ...c }) => ({ ...c, instructorIds: instructors.map((i) => i.userId) }));
}

export async function getCourseForEditing(viewer: Viewer | null, courseId: string) {
  await requireCourseManager(viewer, courseId);
  return db.course.findUniqueOrThrow({
    where: { id: courseId },
    include: {
      instructors: { include: { user: { select: { name: true, email: true } } } },
      sections: { orderBy: { position: "asc" }, include: { lessons: { orderBy: { position: "asc" } } } },
    },
  });
}

// ---- sections ----

const titleSchema = z.string().trim().min(1, "Enter a title.").max(200, "Use at most 200 characters.");

export async function addSection(viewer: Viewer | null, courseId: string, input: unknown) {
  await requireCourseManager(viewer, courseId);
  const { title } = parseInput(z.object({ title: titleSchema }), input);
  const last = await db.section.findFirst({ where: { courseId }, orderBy: { position: "desc" }, select: { position: true } });
  return db.section.create({ data: { courseId, title, position: (last?.position ?? 0) + 1 } });
}

async function sectionOf(courseId: string, sectionId: string) {
  const s = await db.section.findUnique({ where: { id: sectionId } });
  if (!s || s.courseId !== courseId) throw new NotFoundError("Section not found.");
  return s;
}

export async function renameSection(viewer: Viewer | null, courseId: string, sectionId: string, input: unknown) {
  await requireCourseManager(viewer, courseId);
  await sectionOf(courseId, sectionId);
  const { title } = parseInput(z.object({ title: titleSchema }), input);
  return db.section.update({ where: { id: sectionId }, data: { title } });
}

export async function deleteSection(viewer: Viewer | null, courseId: string, sectionId: string) {
  await requireCourseManager(viewer, courseId);
  await sectionOf(courseId, sectionId);
  await db.section.delete({ where: { id: sectionId } });
  await renumber("section", (await db.section.findMany({ where: { courseId }, orderBy: { position: "asc" } })).map((s) => s.id));
}

/** Moves a section one place up or down. */
export async function moveSection(viewer: Viewer | null, courseId: string, sectionId: string, direction: "up" | "down") {
  await requireCourseManager(viewer, courseId);
  await sectionOf(courseId, sectionId);
  const ids = (await db.section.findMany({ where: { courseId }, orderBy: { position: "asc" }, select: { id: true } })).map((s) => s.id);
  await renumber("section", swap(ids, sectionId, direction));
}

// ---- lessons ----

export const lessonSchema = z.object({
  title: titleSchema,
  body: z.string().max(100_000, "Use at most 100000 characters.").default(""),
  isFreePreview: checkbox,
  availableFrom: optionalDate,
});

export async function addLesson(viewer: Viewer | null, courseId: string, sectionId: string, input: unknown) {
  await requireCourseManager(viewer, courseId);
  await sectionOf(courseId, sectionId);
  const data = parseInput(lessonSchema, input);
  const last = await db.lesson.findFirst({ where: { sectionId }, orderBy: { position: "desc" }, select: { position: true } });
  return db.lesson.create({ data: { ...data, sectionId, position: (last?.position ?? 0) + 1 } });
}

async function lessonOf(courseId: string, lessonId: string) {
  const l = await db.lesson.findUnique({ where: { id: lessonId }, include: { section: { select: { courseId: true } } } });
  if (!l || l.section.courseId !== courseId) throw new NotFoundError("Lesson not found.");
  return l;
}

export async function updateLesson(viewer: Viewer | null, courseId: string, lessonId: string, input: unknown) {
  await requireCourseManager(viewer, courseId);
  await lessonOf(courseId, lessonId);
  const data = parseInput(lessonSchema, input);
  return db.lesson.update({ where: { id: lessonId }, data });
}

export async function deleteLesson(viewer: Viewer | null, courseId: string, lessonId: string) {
  await requireCourseManager(viewer, courseId);
  const lesson = await lessonOf(courseId, lessonId);
  await db.lesson.delete({ where: { id: lessonId } });
  await renumber(
    "lesson",
    (await db.lesson.findMany({ where: { sectionId: lesson.sectionId }, orderBy: { position: "asc" } })).map((l) => l.id),
  );
}

export async function moveLesson(viewer: Viewer | null, courseId: string, lessonId: string, direction: "up" | "down") {
  await requireCourseManager(viewer, courseId);
  const lesson = await lessonOf(courseId, lessonId);
  const ids = (
    await db.lesson.findMany({ where: { sectionId: lesson.sectionId }, orderBy: { position: "asc" }, select: { id: true } })
  ).map((l) => l.id);
  await renumber("lesson", swap(ids, lessonId, direction));
}

function swap(ids: string[], id: string, direction: "up" | "down"): string[] {
  const i = ids.indexOf(id);
  const j = direction === "up" ? i - 1 : i + 1;
  if (i < 0 || j < 0 || j >= ids.length) return ids;
  const out = [...ids];
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

async function renumber(kind: "section" | "lesson", orderedIds: string[]) {
  await db.$transaction(
    orderedIds.map((id, index) =>
      kind === "section"
        ? db.section.update({ where: { id }, data: { position: index + 1 } })
        : db.lesson.update({ where: { id }, data: { position: index + 1 } }),
    ),
  );
}

