import "server-only";
import { db } from "@/lib/db";
import { requireLessonAccess, type Viewer } from "@/lib/access";
import { UnauthenticatedError } from "@/lib/errors";

/** Marks a lesson complete (or not) for the viewer; only for a lesson they may open. */
export async function setLessonCompleted(viewer: Viewer | null, lessonId: string, completed: boolean) {
  if (!viewer) throw new UnauthenticatedError();
  await requireLessonAccess(viewer, lessonId);
  return db.lessonProgress.upsert({
    where: { userId_lessonId: { userId: viewer.id, lessonId } },
    create: { userId: viewer.id, lessonId, completed, completedAt: completed ? new Date() : null },
    update: { completed, completedAt: completed ? new Date() : null },
  });
}

/** Saves the playback position (seconds) so the player can resume. */
export async function saveLessonPosition(viewer: Viewer | null, lessonId: string, seconds: number) {
  if (!viewer) throw new UnauthenticatedError();
  await requireLessonAccess(viewer, lessonId);
  const lastPositionSeconds = Math.max(0, Math.floor(seconds));
  return db.lessonProgress.upsert({
    where: { userId_lessonId: { userId: viewer.id, lessonId } },
    create: { userId: viewer.id, lessonId, lastPositionSeconds },
    update: { lastPositionSeconds },
  });
}
