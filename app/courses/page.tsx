import type { Metadata } from "next";
import { CourseCard } from "@/components/course-card";
import { PageHeader, inputClass } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { listPublishedCourses } from "@/lib/courses/queries";
import { coverUrls } from "@/lib/media/delivery";

export const metadata: Metadata = { title: "Courses" };
export const dynamic = "force-dynamic";

export default async function CataloguePage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const { q } = await searchParams;
  const query = typeof q === "string" ? q.slice(0, 100) : undefined;
  const courses = await listPublishedCourses(query);
  const covers = await coverUrls(await getCurrentUser(), courses);
  return (
    <div>
      <PageHeader
        title="Course catalogue"
        subtitle="Free courses open with one click; paid courses with an access code."
        actions={
          <form role="search" className="w-full sm:w-72">
            <label htmlFor="q" className="sr-only">
              Search courses
            </label>
            <input id="q" name="q" defaultValue={query} placeholder="Search courses…" className={inputClass} />
          </form>
        }
      />
      {courses.length === 0 ? (
        <p className="rounded-2xl bg-white p-10 text-center text-slate-600 ring-1 ring-slate-200">
          {query ? `No course matches “${query}”.` : "No course is published yet."}
        </p>
      ) : (
        <div className="grid gap-6 sm:grid-cols-2 lg:grid-cols-3" data-testid="catalogue">
          {courses.map((c) => (
            <CourseCard key={c.id} course={c} coverUrl={covers.get(c.id)} />
          ))}
        </div>
      )}
    </div>
  );
}
