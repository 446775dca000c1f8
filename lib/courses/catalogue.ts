import "server-only";
import { db } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { CATALOGUE_PAGE_SIZE, type CatalogueParams } from "./catalogue-params";

/**
 * The published-course catalogue, one page at a time (ADR 049): filters and full-text search in
 * SQL (the page's ids and the total), then the cards of that page only, with what a card shows
 * and nothing more (no description, no sections: a lesson count).
 */

export interface CatalogueCourse {
  id: string;
  slug: string;
  title: string;
  summary: string;
  isFree: boolean;
  priceCents: number | null;
  published: boolean;
  /** Access facts for the cover (lib/media/delivery): who teaches it. */
  instructorIds: string[];
  instructorNames: string[];
  lessonCount: number;
  cover: { storageKey: string; status: string } | null;
}

export interface CataloguePage {
  courses: CatalogueCourse[];
  /** Courses matching the search and filters, on every page. */
  total: number;
  page: number;
  pageCount: number;
  /** The page asked for is past the last one (the caller answers 404). */
  outOfRange: boolean;
}

const cardSelect = {
  id: true,
  slug: true,
  title: true,
  summary: true,
  isFree: true,
  priceCents: true,
  published: true,
  cover: { select: { storageKey: true, status: true } },
  instructors: { select: { userId: true, user: { select: { name: true } } }, orderBy: { createdAt: "asc" } },
  sections: { select: { _count: { select: { lessons: true } } } },
} satisfies Prisma.CourseSelect;

async function cards(ids: string[]): Promise<CatalogueCourse[]> {
  if (ids.length === 0) return [];
  const rows = await db.course.findMany({ where: { id: { in: ids } }, select: cardSelect });
  const byId = new Map(rows.map((c) => [c.id, c]));
  return ids.flatMap((id) => {
    const c = byId.get(id);
    if (!c) return []; // deleted between the two statements
    return [
      {
        id: c.id,
        slug: c.slug,
        title: c.title,
        summary: c.summary,
        isFree: c.isFree,
        priceCents: c.priceCents,
        published: c.published,
        instructorIds: c.instructors.map((i) => i.userId),
        instructorNames: c.instructors.map((i) => i.user.name),
        lessonCount: c.sections.reduce((n, s) => n + s._count.lessons, 0),
        cover: c.cover,
      },
    ];
  });
}

/**
 * One catalogue page. Without a search: newest first (`publishedAt desc, id`), read in that
 * order from the index `Course(published, publishedAt desc, id)`. With one:
 * `websearch_to_tsquery('english', q)` against the generated `searchVector` (GIN index), most
 * relevant first (`ts_rank_cd`, title weighing more than summary), then newest. The total is
 * a separate count run alongside the page's ids (an index-only count: `count(*) over ()` would
 * make every page read every match), then the page's cards are loaded.
 */
export async function listCatalogue(params: CatalogueParams, pageSize = CATALOGUE_PAGE_SIZE): Promise<CataloguePage> {
  const conditions: Prisma.Sql[] = [Prisma.sql`c."published"`];
  if (params.q) conditions.push(Prisma.sql`c."searchVector" @@ websearch_to_tsquery('english', ${params.q})`);
  if (params.price) conditions.push(Prisma.sql`c."isFree" = ${params.price === "free"}`);
  if (params.instructor) {
    conditions.push(Prisma.sql`EXISTS (SELECT 1 FROM "CourseInstructor" ci WHERE ci."courseId" = c."id" AND ci."userId" = ${params.instructor})`);
  }
  const where = Prisma.join(conditions, " AND ");
  const order = params.q
    ? Prisma.sql`ts_rank_cd(c."searchVector", websearch_to_tsquery('english', ${params.q})) DESC, c."publishedAt" DESC, c."id"`
    : Prisma.sql`c."publishedAt" DESC, c."id"`;
  const offset = (params.page - 1) * pageSize;
  const [[{ total }], rows] = await Promise.all([
    db.$queryRaw<[{ total: bigint }]>`SELECT count(*) AS total FROM "Course" c WHERE ${where}`,
    db.$queryRaw<{ id: string }[]>`SELECT c."id" FROM "Course" c WHERE ${where} ORDER BY ${order} LIMIT ${pageSize} OFFSET ${offset}`,
  ]);
  const pageCount = Math.max(1, Math.ceil(Number(total) / pageSize));
  return {
    courses: await cards(rows.map((r) => r.id)),
    total: Number(total),
    page: params.page,
    pageCount,
    outOfRange: params.page > pageCount,
  };
}

/** Instructors with at least one published course, by name: the catalogue's instructor filter. */
export async function catalogueInstructors(): Promise<{ id: string; name: string }[]> {
  return db.user.findMany({
    where: { teaching: { some: { course: { published: true } } } },
    select: { id: true, name: true },
    orderBy: [{ name: "asc" }, { id: "asc" }],
  });
}
