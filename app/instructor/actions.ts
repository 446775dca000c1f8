"use server";

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
import { cancelInvitation, createAccessCode, grantEnrollment, revokeEnrollment, setEnrollmentExpiry } from "@/lib/enrollments";
import { ValidationError } from "@/lib/errors";
import { formObject, instructorAction, instructorFormAction } from "@/lib/http/action";
import { deleteAsset, retryVideo } from "@/lib/uploads";

/**
 * Server actions of the instructor area, built by lib/http/action: each one calls one domain
 * function (which checks who may do it and validates); the builder maps errors to the form's
 * result, refreshes the pages that show the data and says what happened. What the domain call
 * returns stays on the server unless a message or redirect uses it. Bound arguments (ids) come
 * from the client and are re-checked by the domain functions.
 */

function direction(value: string): "up" | "down" {
  if (value !== "up" && value !== "down") throw new ValidationError("Unknown direction.");
  return value;
}

function text(form: FormData, name: string): string {
  const v = form.get(name);
  return typeof v === "string" ? v : "";
}

// ---- courses ----

export const createCourseAction = instructorFormAction((user, form) => createCourse(user, formObject(form)), {
  redirectTo: (course) => `/instructor/courses/${course.id}?created=1`,
});

export const updateCourseAction = instructorFormAction(
  (user, form, courseId: string) => updateCourse(user, courseId, formObject(form)),
  { message: "Changes saved." },
);

export const setPublishedAction = instructorAction(
  (user, courseId: string, published: boolean) => publishCourse(user, courseId, published === true),
  { message: (_, _courseId, published) => (published ? "Course published." : "Course unpublished.") },
);

// ---- sections ----

export const addSectionAction = instructorFormAction(
  (user, form, courseId: string) => addSection(user, courseId, formObject(form)),
  { message: "Section added." },
);

export const renameSectionAction = instructorFormAction(
  (user, form, courseId: string, sectionId: string) => renameSection(user, courseId, sectionId, formObject(form)),
  { message: "Section renamed." },
);

export const deleteSectionAction = instructorAction((user, courseId: string, sectionId: string) => deleteSection(user, courseId, sectionId), {
  message: "Section deleted.",
});

export const moveSectionAction = instructorAction((user, courseId: string, sectionId: string, dir: string) =>
  moveSection(user, courseId, sectionId, direction(dir)),
);

// ---- lessons ----

export const addLessonAction = instructorFormAction(
  (user, form, courseId: string, sectionId: string) => addLesson(user, courseId, sectionId, formObject(form)),
  { message: "Lesson added." },
);

export const updateLessonAction = instructorFormAction(
  (user, form, courseId: string, lessonId: string) => updateLesson(user, courseId, lessonId, formObject(form)),
  { message: "Lesson saved." },
);

/** Deletes a lesson; from the lesson's own page (`backToEditor`) it then returns to the course editor. */
export const deleteLessonAction = instructorAction(
  (user, courseId: string, lessonId: string, _backToEditor: boolean) => deleteLesson(user, courseId, lessonId),
  {
    message: "Lesson deleted.",
    redirectTo: (_, courseId, _lessonId, backToEditor) => (backToEditor === true ? `/instructor/courses/${courseId}` : null),
  },
);

export const moveLessonAction = instructorAction((user, courseId: string, lessonId: string, dir: string) =>
  moveLesson(user, courseId, lessonId, direction(dir)),
);

// ---- students and access codes ----

/** The same answer whether or not an account uses the email (an unknown email is invited). */
export const grantAccessAction = instructorFormAction(
  (user, form, courseId: string) => grantEnrollment(user, courseId, { email: text(form, "email"), expiresAt: text(form, "expiresAt") }),
  { message: ({ email }) => `Access granted to ${email}. Without an account yet, it starts when they sign up with this email.` },
);

export const cancelInvitationAction = instructorAction(
  (user, courseId: string, invitationId: string) => cancelInvitation(user, courseId, invitationId),
  { message: "Invitation cancelled." },
);

/** Gives a revoked student access again (no expiry), by re-granting to their email. */
export const restoreAccessAction = instructorAction(
  (user, courseId: string, email: string) => grantEnrollment(user, courseId, { email: String(email) }),
  { message: "Access restored." },
);

export const revokeAccessAction = instructorAction(
  (user, courseId: string, enrollmentId: string) => revokeEnrollment(user, courseId, enrollmentId),
  { message: "Access revoked." },
);

/** The expiry form shows no field errors: its banner says what is wrong. */
export const setExpiryAction = instructorFormAction(
  async (user, form, courseId: string, enrollmentId: string) => {
    const raw = text(form, "expiresAt").trim();
    const expiresAt = raw ? new Date(raw) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) {
      throw new ValidationError("Enter a valid date.", { expiresAt: ["Enter a valid date."] });
    }
    await setEnrollmentExpiry(user, courseId, enrollmentId, expiresAt);
    return raw;
  },
  { message: (raw) => (raw ? "Expiry updated." : "Expiry removed."), summarize: false },
);

/** The code is generated by the server (an optional readable prefix); the message shows it. */
export const createAccessCodeAction = instructorFormAction(
  (user, form, courseId: string) =>
    createAccessCode(user, courseId, { prefix: text(form, "prefix"), maxUses: text(form, "maxUses"), expiresAt: text(form, "expiresAt") }),
  { message: (created) => `Code ${created.code} created. Share it with the students who should get this course.` },
);

// ---- media (uploads go through /api/uploads; these act on stored files) ----

/** Deletes a caption, attachment or cover, discards an unfinished upload or dismisses a failed one. */
export const deleteAssetAction = instructorAction((user, assetId: string) => deleteAsset(user, String(assetId)), { message: "Deleted." });

/** "Retry" on a video whose processing failed: queues it again (lib/jobs/queue retryJob). */
export const retryVideoAction = instructorAction(
  (user, assetId: string) => retryVideo(user, String(assetId)),
  { message: "Processing restarted." },
);
