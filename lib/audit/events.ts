/**
 * The access audit log's vocabulary (ADR 047). Pure: the event shape that media delivery and
 * the lesson view record, and the request context they record it with.
 */
import type { AccessDecision, Viewer } from "@/lib/access/policy";
import type { AccessEventKind, AccessOutcome } from "@/lib/generated/prisma/enums";

export type { AccessEventKind, AccessOutcome };

/** Every kind, in the order the instructor's filter lists them. */
export const ACCESS_EVENT_KINDS = ["VIDEO_PAGE", "STREAM_SESSION", "PLAYLIST", "CAPTION", "ATTACHMENT", "LESSON_PAGE"] as const satisfies readonly AccessEventKind[];
export const ACCESS_OUTCOMES = ["GRANTED", "DENIED"] as const satisfies readonly AccessOutcome[];

/**
 * Where a request came from. The app layer reads it (lib/http/request-context.ts: the client
 * address the app's HTTP server put in `x-lumen-client-ip`, the User-Agent header, the sign-in
 * session id) and passes it to the domain functions that record events.
 */
export interface AccessContext {
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

/** One row of the log, as recorded. */
export interface AccessEventRow {
  at: Date;
  courseId: string;
  lessonId: string | null;
  userId: string | null;
  kind: AccessEventKind;
  outcome: AccessOutcome;
  reason: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

/** Column limits (prisma/schema.prisma): longer values are cut, never refused. */
export const LIMITS = { reason: 32, ip: 45, userAgent: 256, sessionId: 64 } as const;

const cut = (value: string | null | undefined, max: number): string | null => {
  const v = value?.trim();
  return v ? v.slice(0, max) : null;
};

/**
 * The event for one decision about one lesson (or course): granted or denied with the
 * decision's reason, by `viewer` (null: a visitor), from `context`.
 */
export function accessEvent(
  viewer: Viewer | null,
  access: { course: { id: string }; lesson?: { id: string } | null; decision: AccessDecision },
  kind: AccessEventKind,
  context: AccessContext,
  at = new Date(),
): AccessEventRow {
  return {
    at,
    courseId: access.course.id,
    lessonId: access.lesson?.id ?? null,
    userId: viewer?.id ?? null,
    kind,
    outcome: access.decision.allowed ? "GRANTED" : "DENIED",
    reason: access.decision.reason.slice(0, LIMITS.reason),
    ip: cut(context.ip, LIMITS.ip),
    userAgent: cut(context.userAgent, LIMITS.userAgent),
    sessionId: cut(context.sessionId, LIMITS.sessionId),
  };
}
