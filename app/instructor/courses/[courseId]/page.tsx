import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/action-button";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { Alert, Badge, ButtonLink, Card } from "@/components/ui";
import { getCourseForEditing } from "@/lib/courses/authoring";
import { courseCoverForEditing } from "@/lib/uploads";
import { setPublishedAction, updateCourseAction } from "../../actions";
import { CourseFields } from "../../_components/course-fields";
import { Curriculum } from "../../_components/curriculum";
import { CoverPanel } from "../../_components/media-panels";
import { NotAnInstructor, NotYourCourse } from "../../_components/forbidden";
import { formatDate, formatPrice, plural } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { instructorGate } from "../../_lib/gate";

export const metadata: Metadata = { title: "Edit course" };
export const dynamic = "force-dynamic";

export default async function CourseEditorPage({
  params,
  searchParams,
}: {
  params: Promise<{ courseId: string }>;
  searchParams: Promise<{ created?: string }>;
}) {
  const { courseId } = await params;
  const { created } = await searchParams;
  const path = `/instructor/courses/${courseId}`;
  const gate = await instructorGate(path);
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;
  const loaded = await loadForPage(path, () => getCourseForEditing(gate.user, courseId));
  if (!loaded.ok) return <NotYourCourse message={loaded.message} />;
  const course = loaded.value;
  const coverLoaded = await loadForPage(path, () => courseCoverForEditing(gate.user, courseId));
  if (!coverLoaded.ok) return <NotYourCourse message={coverLoaded.message} />;
  const lessonCount = course.sections.reduce((n, s) => n + s.lessons.length, 0);
  const now = new Date();

  return (
    <div>
      <nav className="mb-4 text-sm" aria-label="Breadcrumb">
        <Link href="/instructor" className="font-medium text-brand-600 hover:underline">
          ← Your courses
        </Link>
      </nav>

      {created ? (
        <div className="mb-6">
          <Alert tone="green">Course created. Add a section and a lesson, then publish it when it is ready.</Alert>
        </div>
      ) : null}

      <div className="mb-8 flex flex-col gap-4 lg:flex-row lg:items-end lg:justify-between">
        <div className="min-w-0">
          <div className="mb-2 flex flex-wrap items-center gap-2" data-testid="course-status">
            {course.published ? <Badge tone="green">Published</Badge> : <Badge tone="amber">Draft</Badge>}
            <Badge tone={course.isFree ? "brand" : "slate"}>{formatPrice(course)}</Badge>
          </div>
          <h1 className="text-3xl font-bold tracking-tight text-slate-900">{course.title}</h1>
          <p className="mt-2 text-slate-600">
            {plural(course.sections.length, "section")} · {plural(lessonCount, "lesson")} ·{" "}
            <span className="font-mono text-sm">/courses/{course.slug}</span>
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <ButtonLink href={`/instructor/courses/${course.id}/students`} variant="secondary">
            Students &amp; access
          </ButtonLink>
          <ButtonLink href={`/instructor/courses/${course.id}/access`} variant="secondary">
            Access log
          </ButtonLink>
          <ButtonLink href={`/courses/${course.slug}`} variant="secondary">
            View course page
          </ButtonLink>
        </div>
      </div>

      <div className="grid gap-8 lg:grid-cols-3">
        <div className="space-y-4 lg:col-span-2">
          <div>
            <h2 className="text-xl font-semibold text-slate-900">Curriculum</h2>
            <p className="mt-1 text-sm text-slate-600">Students see sections and lessons in this order. Open a lesson to write its notes, make it a free preview or schedule it.</p>
          </div>
          <Curriculum courseId={course.id} sections={course.sections} now={now} />
        </div>

        <aside className="space-y-6">
          <Card className="p-5" data-testid="publish-card">
            <h2 className="text-base font-semibold text-slate-900">Visibility</h2>
            {course.published ? (
              <p className="mt-2 text-sm text-slate-600">
                <strong className="font-semibold text-emerald-700">Published</strong>
                {course.publishedAt ? ` on ${formatDate(course.publishedAt)}` : ""}: listed in the catalogue and open to enrolled students.
                Unpublishing hides it again and pauses students&apos; access.
              </p>
            ) : (
              <p className="mt-2 text-sm text-slate-600">
                <strong className="font-semibold text-amber-700">Draft</strong>: only instructors and administrators can see it. Publish once it has at least one
                lesson.
              </p>
            )}
            <div className="mt-4">
              <ActionButton
                action={setPublishedAction.bind(null, course.id, !course.published)}
                variant={course.published ? "secondary" : "primary"}
                pendingText={course.published ? "Unpublishing…" : "Publishing…"}
                testId="publish-toggle"
              >
                {course.published ? "Unpublish" : "Publish"}
              </ActionButton>
            </div>
          </Card>

          <CoverPanel course={course} cover={coverLoaded.value} />

          <Card className="p-5">
            <h2 className="text-base font-semibold text-slate-900">Course details</h2>
            <p className="mt-1 text-sm text-slate-600">What students see in the catalogue and on the course page.</p>
            <ActionForm action={updateCourseAction.bind(null, course.id)} className="group mt-5 space-y-5" testId="course-form">
              <CourseFields course={course} />
              <div className="border-t border-slate-200 pt-5">
                <SubmitButton pendingText="Saving…" className="w-full">
                  Save changes
                </SubmitButton>
              </div>
            </ActionForm>
          </Card>

          <Card className="p-5">
            <h2 className="text-base font-semibold text-slate-900">Instructors</h2>
            <ul className="mt-3 space-y-2 text-sm" data-testid="instructors">
              {course.instructors.map((i) => (
                <li key={i.userId}>
                  <span className="font-medium text-slate-900">{i.user.name}</span> <span className="text-slate-500">{i.user.email}</span>
                </li>
              ))}
            </ul>
          </Card>
        </aside>
      </div>
    </div>
  );
}
