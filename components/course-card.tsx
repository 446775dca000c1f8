import Link from "next/link";
import type { CatalogueCourse } from "@/lib/courses/catalogue";
import { Badge } from "@/components/ui";
import { formatPrice } from "@/lib/format";
import { CourseCover } from "./course-cover";

export function CourseCard({ course, coverUrl }: { course: CatalogueCourse; coverUrl?: string | null }) {
  return (
    <Link
      href={`/courses/${course.slug}`}
      data-testid="course-card"
      className="group flex flex-col overflow-hidden rounded-2xl bg-white shadow-sm ring-1 ring-slate-200 transition hover:-translate-y-0.5 hover:shadow-md"
    >
      <CourseCover title={course.title} seed={course.slug} src={coverUrl} lazy />
      <div className="flex flex-1 flex-col gap-2 p-5">
        <div className="flex items-center justify-between gap-2">
          <Badge tone={course.isFree ? "green" : "brand"}>{formatPrice(course)}</Badge>
          <span className="text-xs text-slate-500">{course.lessonCount} lessons</span>
        </div>
        <h2 className="text-lg font-semibold text-slate-900 group-hover:text-brand-700">{course.title}</h2>
        <p className="line-clamp-3 text-sm text-slate-600">{course.summary}</p>
        <p className="mt-auto pt-2 text-xs text-slate-500">{course.instructorNames.join(", ") || "—"}</p>
      </div>
    </Link>
  );
}
