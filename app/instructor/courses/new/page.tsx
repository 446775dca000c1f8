import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { Card, PageHeader } from "@/components/ui";
import { createCourseAction } from "../../actions";
import { CourseFields } from "../../_components/course-fields";
import { NotAnInstructor } from "../../_components/forbidden";
import { instructorGate } from "../../_lib/gate";

export const metadata: Metadata = { title: "New course" };
export const dynamic = "force-dynamic";

export default async function NewCoursePage() {
  const gate = await instructorGate("/instructor/courses/new");
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;

  return (
    <div className="mx-auto max-w-3xl">
      <nav className="mb-4 text-sm" aria-label="Breadcrumb">
        <Link href="/instructor" className="font-medium text-brand-600 hover:underline">
          ← Your courses
        </Link>
      </nav>
      <PageHeader
        title="New course"
        subtitle="Start with the basics. You can add sections and lessons next; the course stays a draft until you publish it."
      />
      <Card className="p-6 sm:p-8">
        <ActionForm action={createCourseAction} className="group space-y-6" testId="course-form">
          <CourseFields />
          <div className="flex flex-col-reverse gap-3 border-t border-slate-200 pt-6 sm:flex-row sm:justify-end">
            <Link href="/instructor" className="inline-flex items-center justify-center rounded-lg px-4 py-2 text-sm font-semibold text-slate-700 hover:bg-slate-100">
              Cancel
            </Link>
            <SubmitButton pendingText="Creating…">Create course</SubmitButton>
          </div>
        </ActionForm>
      </Card>
    </div>
  );
}
