import Link from "next/link";

export interface PageLink {
  /** null: a gap ("…"). */
  page: number | null;
  href: string;
}

/**
 * Numbered page links that crawlers follow (plain anchors, `rel="prev"`/`rel="next"` on the
 * neighbours; React hoists the matching `<link>` tags into the head). Hrefs come from the page.
 */
export function Pagination({ current, links, prevHref, nextHref }: { current: number; links: PageLink[]; prevHref: string | null; nextHref: string | null }) {
  if (!prevHref && !nextHref) return null;
  const item = "inline-flex min-w-9 items-center justify-center rounded-lg px-3 py-1.5 text-sm";
  return (
    <nav aria-label="Catalogue pages" className="mt-10 flex flex-wrap items-center justify-center gap-1" data-testid="pagination">
      {prevHref ? <link rel="prev" href={prevHref} /> : null}
      {nextHref ? <link rel="next" href={nextHref} /> : null}
      {prevHref ? (
        <Link href={prevHref} rel="prev" className={`${item} text-slate-700 hover:bg-slate-100`}>
          ← Previous
        </Link>
      ) : null}
      {links.map((l, i) =>
        l.page === null ? (
          <span key={`gap-${i}`} className={`${item} text-slate-400`} aria-hidden="true">
            …
          </span>
        ) : l.page === current ? (
          <span key={l.page} aria-current="page" className={`${item} bg-brand-600 font-semibold text-white`}>
            {l.page}
          </span>
        ) : (
          <Link key={l.page} href={l.href} className={`${item} text-slate-700 ring-1 ring-inset ring-slate-200 hover:bg-slate-50`}>
            {l.page}
          </Link>
        ),
      )}
      {nextHref ? (
        <Link href={nextHref} rel="next" className={`${item} text-slate-700 hover:bg-slate-100`}>
          Next →
        </Link>
      ) : null}
    </nav>
  );
}
