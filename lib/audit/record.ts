import "server-only";
import { db } from "@/lib/db";
import type { Viewer } from "@/lib/access/policy";
import { accessEvent, type AccessContext, type AccessEventKind, type AccessEventRow } from "./events";

/**
 * Records what one request issued or refused: ONE insert per call, awaited so the event is
 * written before the response leaves, but never failing the request: if the database refuses,
 * the error and every event (as JSON) go to the process log, where they can be recovered;
 * nothing is dropped silently. ADR 047.
 */
export async function recordAccessEvents(events: AccessEventRow[]): Promise<void> {
  if (!events.length) return;
  try {
    // Prisma runs createMany in a transaction (BEGIN, INSERT, COMMIT); a single row goes in
    // one statement.
    if (events.length === 1) await db.accessEvent.create({ data: events[0], select: { id: true } });
    else await db.accessEvent.createMany({ data: events });
  } catch (error) {
    console.error(
      `access audit: could not record ${events.length} event(s): ${error instanceof Error ? error.message : String(error)}\n${JSON.stringify(events)}`,
    );
  }
}

/** Records a refusal (the decision's reason) of `kind` for this lesson. */
export async function recordDenial(
  viewer: Viewer | null,
  access: Parameters<typeof accessEvent>[1],
  kind: AccessEventKind,
  context: AccessContext,
): Promise<void> {
  if (access.decision.allowed) return;
  await recordAccessEvents([accessEvent(viewer, access, kind, context)]);
}
