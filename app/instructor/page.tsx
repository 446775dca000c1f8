import type { Metadata } from "next";
import Link from "next/link";
import { CourseCover } from "@/components/course-cover";
import { Badge, ButtonLink, Card, PageHeader } from "@/components/ui";
import { isAdmin } from "@/lib/access/policy";
import { listTeachingCourses } from "@/lib/courses/authoring";
import { coverUrls } from "@/lib/media/delivery";
import { NotAnInstructor } from "./_components/forbidden";
import { plural } from "@/lib/format";
import { instructorGate } from "./_lib/gate";

export const metadata: Metadata = { title: "Teach" };
export const dynamic = "force-dynamic";

export default async function InstructorHomePage() {
  const gate = await instructorGate("/instructor");
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;
  const { user } = gate;
  const courses = await listTeachingCourses(user);
  const covers = await coverUrls(user, courses);
  const seesAll = isAdmin(user);

  return (
    <div>
      <PageHeader
        title={seesAll ? "All courses" : "Your courses"}
        subtitle={
          seesAll
            ? "As an administrator you can edit every course on the site."
            : "Build the curriculum, publish when it is ready and manage who has access."
        }
        actions={<ButtonLink href="/instructor/courses/new">New course</ButtonLink>}
      />

      {courses.length === 0 ? (
        <Card className="border-2 border-dashed border-slate-200 p-10 text-center shadow-none ring-0" data-testid="no-courses">
          <div className="mx-auto flex h-12 w-12 items-center justify-center rounded-full bg-brand-50 text-2xl text-brand-600" aria-hidden="true">
            +
          </div>
          <h2 className="mt-4 text-lg font-semibold text-slate-900">No courses yet</h2>
          <p className="mx-auto mt-2 max-w-md text-slate-600">
            Create your first course: give it a title and a summary, add sections and lessons, then publish it when it is ready.
          </p>
          <div className="mt-6">
            <ButtonLink href="/instructor/courses/new">Create your first course</ButtonLink>
          </div>
        </Card>
      ) : (
        <ul className="grid gap-4" aria-label="Courses">
          {courses.map((course) => (
            <li key={course.id}>
              <Card className="flex flex-col overflow-hidden sm:flex-row" data-testid="instructor-course" data-course-slug={course.slug}>
                <div className="sm:w-56 sm:shrink-0">
                  <CourseCover title={course.title} seed={course.slug} src={covers.get(course.id)} className="h-full sm:aspect-auto sm:min-h-36" />
                </div>
                <div className="flex flex-1 flex-col gap-3 p-5 sm:flex-row sm:items-center sm:justify-between">
                  <div className="min-w-0 space-y-2">
                    <div className="flex flex-wrap items-center gap-2">
                      {course.published ? <Badge tone="green">Published</Badge> : <Badge tone="amber">Draft</Badge>}
                      {course.isFree ? <Badge tone="brand">Free</Badge> : <Badge>Paid</Badge>}
                    </div>
                    <h2 className="truncate text-lg font-semibold text-slate-900">
                      <Link href={`/instructor/courses/${course.id}`} className="hover:text-brand-700 hover:underline">
                        {course.title}
                      </Link>
                    </h2>
                    <p className="text-sm text-slate-500">
                      <span data-testid="section-count">{plural(course._count.sections, "section")}</span>
                      <span aria-hidden="true"> · </span>
                      <span data-testid="enrollment-count">{plural(course._count.enrollments, "enrolment")}</span>
                      <span aria-hidden="true"> · </span>
                      <span className="font-mono text-xs">/courses/{course.slug}</span>
                    </p>
                  </div>
                  <div className="flex flex-wrap gap-2 sm:justify-end">
                    <ButtonLink href={`/instructor/courses/${course.id}`} aria-label={`Edit ${course.title}`}>
                      Edit
                    </ButtonLink>
                    <ButtonLink href={`/instructor/courses/${course.id}/students`} variant="secondary" aria-label={`Students of ${course.title}`}>
                      Students
                    </ButtonLink>
                    <ButtonLink href={`/courses/${course.slug}`} variant="ghost" aria-label={`View the course page of ${course.title}`}>
                      View page
                    </ButtonLink>
                  </div>
                </div>
              </Card>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
