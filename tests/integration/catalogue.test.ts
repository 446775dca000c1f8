import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { listCatalogue, catalogueInstructors } from "@/lib/courses/catalogue";
import type { CatalogueParams } from "@/lib/courses/catalogue-params";
import { createCourse, createUser } from "../support/factories";

const all: CatalogueParams = { page: 1, q: null, price: null, instructor: null };
const ids = (page: { courses: { id: string }[] }) => page.courses.map((c) => c.id);
let ada = "";
let grace = "";
/** The published courses in catalogue order (newest first, ties by id). */
let expectedOrder: string[] = [];
const named: Record<string, string> = {};

beforeAll(async () => {
  const a = await createUser(db, { role: "INSTRUCTOR", name: "Ada Lovelace" });
  const g = await createUser(db, { role: "INSTRUCTOR", name: "Grace Hopper" });
  [ada, grace] = [a.id, g.id];
  const base = Date.parse("2026-06-01T00:00:00Z");
  const published: { id: string; at: number }[] = [];
  // 26 filler courses, several published at the same instant (ties), every third one free.
  for (let i = 0; i < 26; i++) {
    const c = await createCourse(db, { instructor: a, title: `Filler course ${i}`, isFree: i % 3 === 0 });
    const at = base + Math.floor(i / 3) * 60_000;
    await db.course.update({ where: { id: c.id }, data: { publishedAt: new Date(at), summary: "Nothing to find here." } });
    published.push({ id: c.id, at });
  }
  const special = [
    { key: "title", title: "Database Indexes in Practice", summary: "B-trees, GIN and when the planner uses them.", by: g, isFree: true },
    { key: "summary", title: "Slow Queries", summary: "Reading plans and adding the right index to a table.", by: a, isFree: false },
    { key: "phrase", title: "The Query Planner", summary: "How the query planner picks a plan.", by: g, isFree: false },
    { key: "python", title: "Python Loops", summary: "Loops and the query planner of your head.", by: a, isFree: true },
  ];
  for (const [i, s] of special.entries()) {
    const c = await createCourse(db, { instructor: s.by, title: s.title, isFree: s.isFree, lessons: 2 });
    const at = base + (100 + i) * 60_000;
    await db.course.update({ where: { id: c.id }, data: { publishedAt: new Date(at), summary: s.summary, description: "x".repeat(5000) } });
    published.push({ id: c.id, at });
    named[s.key] = c.id;
  }
  // A second section: the card counts lessons across sections.
  const section = await db.section.create({ data: { courseId: named.title, title: "More", position: 2 } });
  await db.lesson.create({ data: { sectionId: section.id, position: 1, title: "Extra" } });
  // A draft matches searches but is never listed.
  await createCourse(db, { instructor: g, title: "Draft about indexes", published: false });
  expectedOrder = published.sort((x, y) => y.at - x.at || (x.id < y.id ? -1 : 1)).map((p) => p.id);
});

describe("catalogue pages", () => {
  it("24 per page in a stable order, with the total; a page past the last is out of range", async () => {
    const first = await listCatalogue(all);
    const second = await listCatalogue({ ...all, page: 2 });
    expect(first).toMatchObject({ total: 30, page: 1, pageCount: 2, outOfRange: false });
    expect(first.courses).toHaveLength(24);
    expect(second.courses).toHaveLength(6);
    expect([...ids(first), ...ids(second)]).toEqual(expectedOrder);
    expect(ids(await listCatalogue(all))).toEqual(ids(first));
    expect(await listCatalogue({ ...all, page: 3 })).toMatchObject({ courses: [], outOfRange: true });
  });

  it("cards carry what a card shows: no description, no sections, a lesson count and instructor names", async () => {
    const { courses } = await listCatalogue({ ...all, q: "indexes" });
    const card = courses.find((c) => c.id === named.title)!;
    expect(Object.keys(card).sort()).toEqual(
      ["cover", "id", "instructorIds", "instructorNames", "isFree", "lessonCount", "priceCents", "published", "slug", "summary", "title"].sort(),
    );
    expect(card).toMatchObject({ title: "Database Indexes in Practice", lessonCount: 3, instructorIds: [grace], instructorNames: ["Grace Hopper"], cover: null });
  });

  it("searches titles and summaries with stemming, title matches first; drafts never show", async () => {
    const found = await listCatalogue({ ...all, q: "index" });
    expect(ids(found)).toEqual([named.title, named.summary]);
    expect(found.total).toBe(2);
    // websearch syntax: a quoted phrase, an excluded word.
    expect(ids(await listCatalogue({ ...all, q: '"query planner" -python' }))).toEqual([named.phrase]);
    expect(ids(await listCatalogue({ ...all, q: "query planner" })).sort()).toEqual([named.phrase, named.python].sort());
    expect((await listCatalogue({ ...all, q: "draft" })).total).toBe(0);
    // Anything a user types is data, never SQL; stop words alone match nothing.
    expect((await listCatalogue({ ...all, q: `'); DROP TABLE "Course"; --` })).total).toBe(0);
    expect((await listCatalogue({ ...all, q: "the" })).total).toBe(0);
  });

  it("filters by price and instructor, together with a search", async () => {
    const free = await listCatalogue({ ...all, price: "free" });
    expect(free.total).toBe(9 + 2);
    expect(free.courses.every((c) => c.isFree)).toBe(true);
    expect((await listCatalogue({ ...all, price: "paid" })).total).toBe(30 - 11);
    expect(ids(await listCatalogue({ ...all, instructor: grace })).sort()).toEqual([named.title, named.phrase].sort());
    expect(ids(await listCatalogue({ ...all, instructor: grace, q: "planner", price: "paid" }))).toEqual([named.phrase]);
    expect((await listCatalogue({ ...all, instructor: "nobody" })).total).toBe(0);
  });

  it("lists the instructors of published courses for the filter", async () => {
    expect(await catalogueInstructors()).toEqual([
      { id: ada, name: "Ada Lovelace" },
      { id: grace, name: "Grace Hopper" },
    ]);
  });
});
