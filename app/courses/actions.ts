"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/session";
import { enrollInFreeCourse, redeemAccessCode } from "@/lib/enrollments";
import { setLessonCompleted } from "@/lib/progress";
import { runAction, type ActionResult } from "@/lib/http/action";
import { signInUrl } from "@/lib/http/safe-redirect";
import { requestClientIp } from "@/lib/ops/client-ip";

export async function enrollAction(courseId: string, slug: string): Promise<ActionResult> {
  const user = await getCurrentUser();
  if (!user) redirect(signInUrl(`/courses/${slug}`));
  const result = await runAction(() => enrollInFreeCourse(user, courseId).then(() => undefined), "You are enrolled.");
  if (result.ok) revalidatePath(`/courses/${slug}`);
  return result;
}

export async function setCompletedAction(lessonId: string, path: string, completed: boolean): Promise<ActionResult> {
  const user = await getCurrentUser();
  const result = await runAction(
    () => setLessonCompleted(user, lessonId, completed).then(() => undefined),
    completed ? "Marked as complete." : "Marked as not complete.",
  );
  if (result.ok) revalidatePath(path);
  return result;
}

export async function redeemAction(_prev: ActionResult<unknown> | null, form: FormData): Promise<ActionResult<unknown>> {
  const user = await getCurrentUser();
  let slug: string | undefined;
  const result = await runAction(async () => {
    // Rate-limited per user and per client address (the address the app server computed).
    const course = await redeemAccessCode(user, String(form.get("code") ?? ""), { clientIp: requestClientIp(await headers()) });
    slug = course.slug;
  });
  if (result.ok && slug) redirect(`/courses/${slug}?enrolled=1`);
  return result;
}
