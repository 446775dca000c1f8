/**
 * The filters of a course's access log page, read from its query string, and the links that
 * set them. Pure. A value that does not parse is ignored (the form shows what applies).
 */
import { z } from "zod";
import { ACCESS_EVENT_KINDS, ACCESS_OUTCOMES } from "./events";

/** Rows per page of the log. */
export const ACCESS_LOG_PAGE_SIZE = 50;

const firstNonBlank = (v: unknown) => {
  const x = Array.isArray(v) ? v[0] : v;
  return typeof x === "string" && x.trim() !== "" ? x.trim() : undefined;
};
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(firstNonBlank, schema.optional()).catch(undefined);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((v) => !Number.isNaN(Date.parse(v)));

export const accessLogFiltersSchema = z.object({
  lesson: optional(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)),
  /** The account's email, exactly (not case-sensitive). */
  user: optional(z.string().max(254).toLowerCase()),
  kind: optional(z.enum(ACCESS_EVENT_KINDS)),
  outcome: optional(z.enum(ACCESS_OUTCOMES)),
  /** First and last UTC day shown (YYYY-MM-DD, both included). */
  from: optional(day),
  to: optional(day),
  /** Keyset pagination: rows older than the row with this id. */
  before: optional(z.string().regex(/^\d{1,18}$/)),
});

export type AccessLogFilters = z.infer<typeof accessLogFiltersSchema>;

export function parseAccessLogFilters(query: Record<string, string | string[] | undefined>): AccessLogFilters {
  return accessLogFiltersSchema.parse(query);
}

/** The time range of the day filters: [from 00:00 UTC, day after `to` 00:00 UTC). */
export function dayRange(filters: Pick<AccessLogFilters, "from" | "to">): { gte?: Date; lt?: Date } {
  const range: { gte?: Date; lt?: Date } = {};
  if (filters.from) range.gte = new Date(`${filters.from}T00:00:00Z`);
  if (filters.to) range.lt = new Date(new Date(`${filters.to}T00:00:00Z`).getTime() + 86_400_000);
  return range;
}

/** The log page of a course with these filters. */
export function accessLogHref(courseId: string, filters: Partial<AccessLogFilters> = {}): string {
  const q = new URLSearchParams();
  for (const key of Object.keys(accessLogFiltersSchema.shape) as (keyof AccessLogFilters)[]) {
    const v = filters[key];
    if (v) q.set(key, v);
  }
  const s = q.toString();
  return `/instructor/courses/${courseId}/access${s ? `?${s}` : ""}`;
}
