"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { getCurrentUser } from "@/lib/auth/session";
import {
  addLesson,
  addSection,
  createCourse,
  deleteLesson,
  deleteSection,
  moveLesson,
  moveSection,
  publishCourse,
  renameSection,
  updateCourse,
  updateLesson,
} from "@/lib/courses/authoring";
import { createAccessCode, grantEnrollment, revokeEnrollment, setEnrollmentExpiry } from "@/lib/enrollments";
import { ValidationError } from "@/lib/errors";
import { formObject, runAction, type ActionResult } from "@/lib/http/action";
import { deleteAsset, retryVideo } from "@/lib/uploads";

/**
 * Server actions of the instructor area. Each one parses the form, calls one domain
 * function (which checks who may do it and validates), refreshes the pages that show
 * the data and hands an ActionResult back to the form. Bound arguments (ids) come from
 * the client and are re-checked by the domain functions.
 */

type Result = ActionResult<unknown>;
type Prev = ActionResult<unknown> | null;
type Direction = "up" | "down";

/** Course data shows on the catalogue, course pages, dashboards and here: refresh them all. */
function refresh() {
  revalidatePath("/", "layout");
}

/** Field errors are shown next to their fields; the banner then says so instead of repeating one. */
function summarize(result: Result): Result {
  if (!result.ok && result.fieldErrors && Object.keys(result.fieldErrors).some((k) => k !== "_")) {
    return { ...result, error: "Please fix the fields marked below." };
  }
  return result;
}

function direction(value: string): Direction {
  if (value !== "up" && value !== "down") throw new ValidationError("Unknown direction.");
  return value;
}

function text(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

// ---- courses ----

export async function createCourseAction(_prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  let courseId: string | undefined;
  const result = await runAction(async () => {
    courseId = (await createCourse(user, formObject(form))).id;
  });
  if (result.ok && courseId) {
    refresh();
    redirect(`/instructor/courses/${courseId}?created=1`);
  }
  return summarize(result);
}

export async function updateCourseAction(courseId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await updateCourse(user, courseId, formObject(form));
  }, "Changes saved.");
  if (result.ok) refresh();
  return summarize(result);
}

export async function setPublishedAction(courseId: string, published: boolean): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(
    async () => {
      await publishCourse(user, courseId, published === true);
    },
    published ? "Course published." : "Course unpublished.",
  );
  if (result.ok) refresh();
  return result;
}

// ---- sections ----

export async function addSectionAction(courseId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await addSection(user, courseId, formObject(form));
  }, "Section added.");
  if (result.ok) refresh();
  return summarize(result);
}

export async function renameSectionAction(courseId: string, sectionId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await renameSection(user, courseId, sectionId, formObject(form));
  }, "Section renamed.");
  if (result.ok) refresh();
  return summarize(result);
}

export async function deleteSectionAction(courseId: string, sectionId: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(() => deleteSection(user, courseId, sectionId), "Section deleted.");
  if (result.ok) refresh();
  return result;
}

export async function moveSectionAction(courseId: string, sectionId: string, dir: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(() => moveSection(user, courseId, sectionId, direction(dir)));
  if (result.ok) refresh();
  return result;
}

// ---- lessons ----

export async function addLessonAction(courseId: string, sectionId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await addLesson(user, courseId, sectionId, formObject(form));
  }, "Lesson added.");
  if (result.ok) refresh();
  return summarize(result);
}

export async function updateLessonAction(courseId: string, lessonId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await updateLesson(user, courseId, lessonId, formObject(form));
  }, "Lesson saved.");
  if (result.ok) refresh();
  return summarize(result);
}

/** Deletes a lesson; from the lesson's own page (`backToEditor`) it then returns to the course editor. */
export async function deleteLessonAction(courseId: string, lessonId: string, backToEditor: boolean): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(() => deleteLesson(user, courseId, lessonId), "Lesson deleted.");
  if (result.ok) {
    refresh();
    if (backToEditor === true) redirect(`/instructor/courses/${courseId}`);
  }
  return result;
}

export async function moveLessonAction(courseId: string, lessonId: string, dir: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(() => moveLesson(user, courseId, lessonId, direction(dir)));
  if (result.ok) refresh();
  return result;
}

// ---- students and access codes ----

export async function grantAccessAction(courseId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const email = text(form, "email").trim();
  const result = await runAction(async () => {
    await grantEnrollment(user, courseId, { email, expiresAt: text(form, "expiresAt") });
  }, `Access granted to ${email}.`);
  if (result.ok) refresh();
  return summarize(result);
}

/** Gives a revoked student access again (no expiry), by re-granting to their email. */
export async function restoreAccessAction(courseId: string, email: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await grantEnrollment(user, courseId, { email: String(email) });
  }, "Access restored.");
  if (result.ok) refresh();
  return result;
}

export async function revokeAccessAction(courseId: string, enrollmentId: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await revokeEnrollment(user, courseId, enrollmentId);
  }, "Access revoked.");
  if (result.ok) refresh();
  return result;
}

export async function setExpiryAction(courseId: string, enrollmentId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const raw = text(form, "expiresAt").trim();
  const result = await runAction(async () => {
    const expiresAt = raw ? new Date(raw) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      throw new ValidationError("Enter a valid date.", { expiresAt: ["Enter a valid date."] });
    }
    await setEnrollmentExpiry(user, courseId, enrollmentId, expiresAt);
  }, raw ? "Expiry updated." : "Expiry removed.");
  if (result.ok) refresh();
  return result;
}

export async function createAccessCodeAction(courseId: string, _prev: Prev, form: FormData): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    const created = await createAccessCode(user, courseId, {
      code: text(form, "code"),
      maxUses: text(form, "maxUses"),
      expiresAt: text(form, "expiresAt"),
    });
    return { ok: true as const, message: `Code ${created.code} created.` };
  });
  if (result.ok) refresh();
  return summarize(result);
}

// ---- media (uploads go through /api/uploads; these act on stored files) ----

/** Deletes a caption, attachment or cover, discards an unfinished upload or dismisses a failed one. */
export async function deleteAssetAction(assetId: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(() => deleteAsset(user, String(assetId)), "Deleted.");
  if (result.ok) refresh();
  return result;
}

/** "Retry" on a video whose processing failed: queues it again (lib/jobs/queue retryJob). */
export async function retryVideoAction(assetId: string): Promise<Result> {
  const user = await getCurrentUser();
  const result = await runAction(async () => {
    await retryVideo(user, String(assetId));
  }, "Processing restarted.");
  if (result.ok) refresh();
  return result;
}
