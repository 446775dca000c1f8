import { CourseCard } from "@/components/course-card";
import { ButtonLink } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { listCatalogue } from "@/lib/courses/catalogue";
import { coverUrls } from "@/lib/media/delivery";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const { courses } = await listCatalogue({ page: 1, q: null, price: null, instructor: null }, 3);
  const covers = await coverUrls(await getCurrentUser(), courses);
  return (
    <div className="space-y-12">
      <section className="rounded-3xl bg-gradient-to-br from-brand-600 to-indigo-700 px-8 py-14 text-white shadow-lg">
        <h1 className="max-w-2xl text-4xl font-bold tracking-tight sm:text-5xl">Learn from practitioners, at your pace.</h1>
        <p className="mt-4 max-w-xl text-lg text-white/85">Video lessons, downloads and progress tracking. Enrol in a free course or redeem your access code.</p>
        <div className="mt-8 flex flex-wrap gap-3">
          <ButtonLink href="/courses" variant="secondary">
            Browse courses
          </ButtonLink>
          <ButtonLink href="/redeem" className="bg-white/10 ring-1 ring-white/40 hover:bg-white/20">
            I have an access code
          </ButtonLink>
        </div>
      </section>
      <section>
        <h2 className="mb-4 text-xl font-semibold">New and popular</h2>
        <div className="grid gap-6 sm:grid-cols-2 lg:grid-cols-3">
          {courses.map((c) => (
            <CourseCard key={c.id} course={c} coverUrl={covers.get(c.id)} />
          ))}
        </div>
      </section>
    </div>
  );
}
