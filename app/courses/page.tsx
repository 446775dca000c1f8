import type { Metadata } from "next";
import Link from "next/link";
import { notFound, permanentRedirect } from "next/navigation";
import { CatalogueFilters } from "@/components/catalogue-filters";
import { CourseCard } from "@/components/course-card";
import { Pagination } from "@/components/pagination";
import { Alert, EmptyState, PageHeader } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { catalogueInstructors, listCatalogue } from "@/lib/courses/catalogue";
import { catalogueHref, pageWindow, parseCatalogueParams, SEARCH_MAX_LENGTH } from "@/lib/courses/catalogue-params";
import { plural } from "@/lib/format";
import { coverUrls } from "@/lib/media/delivery";

export const dynamic = "force-dynamic";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const { params } = parseCatalogueParams(await searchParams);
  const title = params.q ? `Courses matching “${params.q}”` : "Courses";
  return {
    title: params.page > 1 ? `${title} · page ${params.page}` : title,
    alternates: { canonical: catalogueHref(params, params.page) },
    // Result pages of a search are not worth indexing; their links are.
    robots: params.q ? { index: false, follow: true } : undefined,
  };
}

export default async function CataloguePage({ searchParams }: Props) {
  const { params, searchError, normalised } = parseCatalogueParams(await searchParams);
  if (normalised) permanentRedirect(catalogueHref(params, params.page));
  const filtered = Boolean(params.q || params.price || params.instructor);
  const [result, instructors, viewer] = await Promise.all([
    searchError ? null : listCatalogue(params),
    catalogueInstructors(),
    getCurrentUser(),
  ]);
  if (result?.outOfRange) notFound();
  const covers = result ? await coverUrls(viewer, result.courses) : new Map<string, string>();
  const href = (page: number) => catalogueHref(params, page);

  return (
    <div>
      <PageHeader title="Course catalogue" subtitle="Free courses open with one click; paid courses with an access code." />
      <CatalogueFilters
        q={params.q ?? ""}
        price={params.price ?? ""}
        instructor={params.instructor ?? ""}
        instructors={instructors}
        maxLength={SEARCH_MAX_LENGTH}
        active={filtered || Boolean(searchError)}
      />
      {searchError ? (
        <Alert>{searchError}</Alert>
      ) : !result || result.total === 0 ? (
        <EmptyState title={filtered ? "No course matches" : "No course is published yet"} testId="catalogue-empty">
          {filtered ? (
            <>
              {params.q ? `Nothing matches “${params.q}” with these filters. ` : "No course matches these filters. "}
              <Link href="/courses" className="font-medium text-brand-700 hover:underline">
                See every course
              </Link>
            </>
          ) : (
            "Courses appear here once an instructor publishes them."
          )}
        </EmptyState>
      ) : (
        <>
          <p className="mb-4 text-sm text-slate-600" data-testid="catalogue-total">
            {plural(result.total, "course")}
            {params.q ? ` matching “${params.q}”` : ""}
            {result.pageCount > 1 ? ` · page ${result.page} of ${result.pageCount}` : ""}
          </p>
          <div className="grid gap-6 sm:grid-cols-2 lg:grid-cols-3" data-testid="catalogue">
            {result.courses.map((c) => (
              <CourseCard key={c.id} course={c} coverUrl={covers.get(c.id)} />
            ))}
          </div>
          <Pagination
            current={result.page}
            links={pageWindow(result.page, result.pageCount).map((page) => ({ page, href: page === null ? "" : href(page) }))}
            prevHref={result.page > 1 ? href(result.page - 1) : null}
            nextHref={result.page < result.pageCount ? href(result.page + 1) : null}
          />
        </>
      )}
    </div>
  );
}
