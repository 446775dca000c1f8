import "server-only";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { requireCourseManager, type Viewer } from "@/lib/access";
import type { Prisma } from "@/lib/generated/prisma/client";
import { ACCESS_LOG_PAGE_SIZE, dayRange, parseAccessLogFilters, type AccessLogFilters } from "./filters";
import { CONCURRENCY_MINUTES, candidateUsers, flagAccounts, type FlaggedAccount } from "./report";

/**
 * A course's access log for its instructors and administrators (ADR 047): the events newest
 * first, filtered and paged, and the suspicious-accounts report. Asks lib/access first.
 */

const HOUR = 3_600_000;
/** Grants the report counts: a student's, not the course staff's own checks. */
const STUDENT_GRANTS = ["enrolled", "free-preview"];

export interface AccessReport {
  since: Date;
  rules: { windowHours: number; minIps: number; minSessions: number; concurrencyMinutes: number };
  accounts: (FlaggedAccount & { user: { name: string; email: string } | null })[];
}

/** The report of the last `windowHours` (AUDIT_REPORT_* settings) for one course. */
export async function accessReport(courseId: string, now = new Date()): Promise<AccessReport> {
  const settings = appConfig().audit.report;
  const rules = { ...settings, concurrencyMinutes: CONCURRENCY_MINUTES };
  const since = new Date(now.getTime() - settings.windowHours * HOUR);
  const where = {
    courseId,
    outcome: "GRANTED",
    userId: { not: null },
    reason: { in: STUDENT_GRANTS },
    at: { gte: since, lte: now },
  } satisfies Prisma.AccessEventWhereInput;
  const [ips, sessions] = await Promise.all([
    db.accessEvent.groupBy({ by: ["userId", "ip"], where: { ...where, ip: { not: null } } }),
    db.accessEvent.groupBy({ by: ["userId", "sessionId"], where: { ...where, sessionId: { not: null } } }),
  ]);
  const candidates = candidateUsers({ ips, sessions }, rules);
  if (!candidates.length) return { since, rules, accounts: [] };
  const grants = await db.accessEvent.findMany({
    where: { ...where, userId: { in: candidates } },
    select: { userId: true, ip: true, sessionId: true, at: true },
  });
  const flagged = flagAccounts(grants, rules);
  const users = new Map(
    (await db.user.findMany({ where: { id: { in: flagged.map((f) => f.userId) } }, select: { id: true, name: true, email: true } })).map((u) => [u.id, u]),
  );
  return { since, rules, accounts: flagged.map((f) => ({ ...f, user: users.get(f.userId) ?? null })) };
}

/** One page of the log, newest first, and whether older rows exist. */
async function accessEvents(courseId: string, filters: AccessLogFilters) {
  const rows = await db.accessEvent.findMany({
    where: {
      courseId,
      ...(filters.lesson ? { lessonId: filters.lesson } : {}),
      ...(filters.user ? { user: { email: filters.user } } : {}),
      ...(filters.kind ? { kind: filters.kind } : {}),
      ...(filters.outcome ? { outcome: filters.outcome } : {}),
      ...(filters.from || filters.to ? { at: dayRange(filters) } : {}),
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    ...(filters.before ? { cursor: { id: BigInt(filters.before) }, skip: 1 } : {}),
    take: ACCESS_LOG_PAGE_SIZE + 1,
    select: {
      id: true,
      at: true,
      lessonId: true,
      kind: true,
      outcome: true,
      reason: true,
      ip: true,
      userAgent: true,
      sessionId: true,
      user: { select: { name: true, email: true } },
    },
  });
  const page = rows.slice(0, ACCESS_LOG_PAGE_SIZE).map((r) => ({ ...r, id: r.id.toString() }));
  return { events: page, olderBefore: rows.length > ACCESS_LOG_PAGE_SIZE ? page[page.length - 1].id : null };
}

/**
 * The access log page of a course: throws (401/403/404) unless the viewer manages it. `query`
 * is the page's query string (lib/audit/filters.ts).
 */
export async function courseAccessLog(viewer: Viewer | null, courseId: string, query: Record<string, string | string[] | undefined>, now = new Date()) {
  const { course } = await requireCourseManager(viewer, courseId);
  const filters = parseAccessLogFilters(query);
  const [lessons, log, report] = await Promise.all([
    db.lesson.findMany({
      where: { section: { courseId } },
      orderBy: [{ section: { position: "asc" } }, { position: "asc" }],
      select: { id: true, title: true },
    }),
    accessEvents(courseId, filters),
    accessReport(courseId, now),
  ]);
  return { course, lessons, filters, ...log, report };
}

export type CourseAccessLog = Awaited<ReturnType<typeof courseAccessLog>>;
