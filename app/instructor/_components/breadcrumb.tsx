import Link from "next/link";
import type { ReactNode } from "react";

/** "Your courses / <course> / <current>": the trail above a course's instructor pages. */
export function CourseBreadcrumb({ course, current }: { course: { id: string; title: string }; current: ReactNode }) {
  return (
    <nav className="mb-4 flex flex-wrap items-center gap-1 text-sm text-slate-500" aria-label="Breadcrumb">
      <Link href="/instructor" className="font-medium text-brand-600 hover:underline">
        Your courses
      </Link>
      <span aria-hidden="true">/</span>
      <Link href={`/instructor/courses/${course.id}`} className="font-medium text-brand-600 hover:underline">
        {course.title}
      </Link>
      <span aria-hidden="true">/</span>
      <span>{current}</span>
    </nav>
  );
}
