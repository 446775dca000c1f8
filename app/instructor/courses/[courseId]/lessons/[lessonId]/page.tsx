import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { ActionButton } from "@/components/action-button";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { LessonBody } from "@/components/lesson-body";
import { Badge, ButtonLink, Card, Field, inputClass } from "@/components/ui";
import { getCourseForEditing } from "@/lib/courses/authoring";
import { lessonMediaForEditing } from "@/lib/uploads";
import { deleteLessonAction, updateLessonAction } from "../../../../actions";
import { AttachmentsPanel, CaptionsPanel, VideoPanel } from "../../../../_components/media-panels";
import { CourseBreadcrumb } from "../../../../_components/breadcrumb";
import { NotAnInstructor, NotYourCourse } from "../../../../_components/forbidden";
import { formatDateTime, serverTimeZone, toDateTimeLocalValue } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { instructorGate } from "../../../../_lib/gate";

export const metadata: Metadata = { title: "Edit lesson" };
export const dynamic = "force-dynamic";

export default async function EditLessonPage({ params }: { params: Promise<{ courseId: string; lessonId: string }> }) {
  const { courseId, lessonId } = await params;
  const path = `/instructor/courses/${courseId}/lessons/${lessonId}`;
  const gate = await instructorGate(path);
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;
  const loaded = await loadForPage(path, () => getCourseForEditing(gate.user, courseId));
  if (!loaded.ok) return <NotYourCourse message={loaded.message} />;
  const course = loaded.value;

  const sectionIndex = course.sections.findIndex((s) => s.lessons.some((l) => l.id === lessonId));
  if (sectionIndex < 0) notFound();
  const section = course.sections[sectionIndex];
  const lessonIndex = section.lessons.findIndex((l) => l.id === lessonId);
  const lesson = section.lessons[lessonIndex];
  const mediaLoaded = await loadForPage(path, () => lessonMediaForEditing(gate.user, course.id, lessonId));
  if (!mediaLoaded.ok) return <NotYourCourse message={mediaLoaded.message} />;
  const media = mediaLoaded.value;
  const editorHref = `/instructor/courses/${course.id}`;
  const now = new Date();

  return (
    <div className="mx-auto max-w-4xl">
      <CourseBreadcrumb course={course} current={`Lesson ${sectionIndex + 1}.${lessonIndex + 1}`} />

      <div className="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div className="min-w-0">
          <p className="text-sm font-medium text-slate-500">
            Section {sectionIndex + 1}: {section.title}
          </p>
          <h1 className="mt-1 text-3xl font-bold tracking-tight text-slate-900">{lesson.title}</h1>
          <div className="mt-2 flex flex-wrap gap-1.5">
            {lesson.isFreePreview ? <Badge tone="green">Free preview</Badge> : null}
            {lesson.availableFrom ? (
              <Badge tone={lesson.availableFrom > now ? "amber" : "slate"}>
                {lesson.availableFrom > now ? "Opens" : "Opened"} {formatDateTime(lesson.availableFrom)}
              </Badge>
            ) : null}
          </div>
        </div>
        <div className="flex flex-wrap gap-2">
          <ButtonLink href={editorHref} variant="secondary">
            ← Back to the course
          </ButtonLink>
          <ButtonLink href={`/courses/${course.slug}/lessons/${lesson.id}`} prefetch={false} variant="ghost" data-testid="preview-as-student">
            Preview as student
          </ButtonLink>
        </div>
      </div>

      <div className="grid gap-8 lg:grid-cols-3">
        <Card className="p-6 lg:col-span-2">
          <ActionForm action={updateLessonAction.bind(null, course.id, lesson.id)} className="space-y-6" testId="lesson-form">
            <Field label="Title" name="title">
              <input id="title" name="title" defaultValue={lesson.title} autoComplete="off" className={inputClass} />
            </Field>

            <Field label="Body" name="body" hint={
              <>
                Plain text with light formatting: a blank line starts a new paragraph, <code>## </code> starts a heading, lines starting with{" "}
                <code>- </code> make a list, and <code>`backticks`</code> mark code.
              </>
            }>
              <textarea
                id="body"
                name="body"
                rows={16}
                defaultValue={lesson.body}
                aria-describedby="body-hint"
                className={`${inputClass} font-mono text-sm leading-6`}
                placeholder={"## What you will learn\n\nWrite the lesson notes here.\n\n- one point\n- another point"}
              />
            </Field>

            <Field
              label="Free preview"
              name="isFreePreview"
              inline
              hint="Anyone can open this lesson from the course page, without enrolling, once the course is published."
            >
              <input
                id="isFreePreview"
                name="isFreePreview"
                type="checkbox"
                defaultChecked={lesson.isFreePreview}
                aria-describedby="isFreePreview-hint"
                className="mt-0.5 h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-600"
              />
            </Field>

            <Field label="Available from (optional)" name="availableFrom" hint={
              <>
                Drip release: students (previews included) can open the lesson from this moment, in the server&apos;s time zone ({serverTimeZone()}). Leave
                empty to open it with the course.
              </>
            }>
              <input
                id="availableFrom"
                name="availableFrom"
                type="datetime-local"
                defaultValue={toDateTimeLocalValue(lesson.availableFrom)}
                aria-describedby="availableFrom-hint"
                className={`${inputClass} max-w-xs`}
              />
            </Field>

            <div className="flex flex-col-reverse gap-3 border-t border-slate-200 pt-6 sm:flex-row sm:justify-end">
              <ButtonLink href={editorHref} variant="ghost">
                Cancel
              </ButtonLink>
              <SubmitButton pendingText="Saving…">Save changes</SubmitButton>
            </div>
          </ActionForm>
        </Card>

        <aside className="space-y-6">
          <Card className="p-5">
            <h2 className="text-base font-semibold text-slate-900">Saved notes</h2>
            <p className="mt-1 text-xs text-slate-500">How the body looks to students (updates when you save).</p>
            <div className="mt-4 max-h-[32rem] overflow-y-auto border-t border-slate-100 pt-4 text-sm" data-testid="lesson-preview">
              <LessonBody text={lesson.body} />
            </div>
          </Card>

          <Card className="p-5">
            <h2 className="text-base font-semibold text-red-700">Delete lesson</h2>
            <p className="mt-1 text-sm text-slate-600">Removes the lesson, its notes and students&apos; progress in it.</p>
            <div className="mt-4">
              <ActionButton
                action={deleteLessonAction.bind(null, course.id, lesson.id, true)}
                variant="danger"
                pendingText="Deleting…"
                confirm={`Delete the lesson “${lesson.title}”? This cannot be undone.`}
                testId="delete-lesson"
              >
                Delete lesson
              </ActionButton>
            </div>
          </Card>
        </aside>
      </div>

      <section className="mt-10 space-y-4" aria-labelledby="media-heading">
        <div>
          <h2 id="media-heading" className="text-xl font-semibold text-slate-900">
            Media
          </h2>
          <p className="mt-1 text-sm text-slate-600">Files go straight from your browser to storage; large videos can be resumed if the connection drops.</p>
        </div>
        <div className="grid gap-8 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <VideoPanel courseId={course.id} media={media} />
          </div>
          <div className="space-y-6">
            <CaptionsPanel courseId={course.id} media={media} />
            <AttachmentsPanel courseId={course.id} media={media} />
          </div>
        </div>
      </section>
    </div>
  );
}
