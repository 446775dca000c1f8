/**
 * The catalogue's URL: `/courses?q=…&price=free|paid&instructor=<id>&page=N` (ADR 049). Pure:
 * parsing of what a browser or a crawler sends, and the one way links to catalogue pages are
 * written (canonical: defaults left out, parameters always in the same order).
 */

export const CATALOGUE_PAGE_SIZE = 24;
/** Longer searches are refused with a message rather than cut (the result would be a guess). */
export const SEARCH_MAX_LENGTH = 100;
/** Enough for any real catalogue: 24 × 10,000 courses. */
const MAX_PAGE = 10_000;

export type PriceFilter = "free" | "paid";

export interface CatalogueParams {
  /** 1-based. */
  page: number;
  /** Search terms (websearch syntax: words, "phrases", -excluded), trimmed; null = no search. */
  q: string | null;
  price: PriceFilter | null;
  /** A user id: courses this instructor teaches. */
  instructor: string | null;
}

export interface ParsedCatalogueParams {
  params: CatalogueParams;
  /** A search that was refused (too long), to be shown instead of results. */
  searchError: string | null;
  /**
   * The URL differs from its canonical form (empty fields of the search form, a bad page
   * number, an unknown filter value, extra spaces): redirect to `catalogueHref(params, page)`.
   */
  normalised: boolean;
}

type SearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseCatalogueParams(sp: SearchParams): ParsedCatalogueParams {
  const rawPage = first(sp.page);
  const page = rawPage && /^[1-9][0-9]{0,5}$/.test(rawPage) && Number(rawPage) <= MAX_PAGE ? Number(rawPage) : 1;

  const rawQ = (first(sp.q) ?? "").replace(/\s+/g, " ").trim();
  let q: string | null = rawQ || null;
  let searchError: string | null = null;
  if (q && q.length > SEARCH_MAX_LENGTH) {
    searchError = `Searches are limited to ${SEARCH_MAX_LENGTH} characters; yours has ${q.length}. Use fewer or shorter words.`;
    q = null;
  }

  const rawPrice = first(sp.price);
  const price: PriceFilter | null = rawPrice === "free" || rawPrice === "paid" ? rawPrice : null;
  const rawInstructor = first(sp.instructor);
  const instructor = rawInstructor && ID.test(rawInstructor) ? rawInstructor : null;

  const params: CatalogueParams = { page, q, price, instructor };
  // What was sent, in canonical order (other parameters are ignored), against the canonical URL.
  const sent = new URLSearchParams();
  for (const key of ["q", "price", "instructor", "page"] as const) {
    const value = first(sp[key]);
    if (value !== undefined) sent.set(key, value);
  }
  const canonical = catalogueHref(params, page);
  const normalised = !searchError && canonical !== (sent.size ? `/courses?${sent}` : "/courses");
  return { params, searchError, normalised };
}

/** The canonical URL of a catalogue page: `/courses`, then q, price, instructor, page (> 1) when set. */
export function catalogueHref(params: Omit<CatalogueParams, "page">, page = 1): string {
  const query = new URLSearchParams();
  if (params.q) query.set("q", params.q);
  if (params.price) query.set("price", params.price);
  if (params.instructor) query.set("instructor", params.instructor);
  if (page > 1) query.set("page", String(page));
  const text = query.toString();
  return text ? `/courses?${text}` : "/courses";
}

/**
 * Page numbers to link from page `current` of `count`: the first, the last, and two either side
 * of the current one; `null` marks a gap ("…").
 */
export function pageWindow(current: number, count: number): (number | null)[] {
  const wanted = new Set([1, count, current - 2, current - 1, current, current + 1, current + 2].filter((n) => n >= 1 && n <= count));
  const sorted = [...wanted].sort((a, b) => a - b);
  const out: (number | null)[] = [];
  for (const n of sorted) {
    const last = out.at(-1);
    if (typeof last === "number" && n - last === 2) out.push(n - 1);
    else if (typeof last === "number" && n - last > 2) out.push(null);
    out.push(n);
  }
  return out;
}
