import { describe, expect, it } from "vitest";
import { catalogueHref, pageWindow, parseCatalogueParams, SEARCH_MAX_LENGTH } from "@/lib/courses/catalogue-params";

describe("catalogue URL", () => {
  it("reads page, search and filters; the canonical URL leaves defaults out", () => {
    const parsed = parseCatalogueParams({ q: "sql tuning", price: "free", instructor: "cm1abc", page: "3" });
    expect(parsed).toEqual({ params: { page: 3, q: "sql tuning", price: "free", instructor: "cm1abc" }, searchError: null, normalised: false });
    expect(catalogueHref(parsed.params, 3)).toBe("/courses?q=sql+tuning&price=free&instructor=cm1abc&page=3");
    expect(catalogueHref(parsed.params)).toBe("/courses?q=sql+tuning&price=free&instructor=cm1abc");
    expect(parseCatalogueParams({})).toEqual({ params: { page: 1, q: null, price: null, instructor: null }, searchError: null, normalised: false });
    expect(catalogueHref({ q: null, price: null, instructor: null })).toBe("/courses");
  });

  it("bad or superfluous values fall back to the defaults and ask for a redirect to the canonical URL", () => {
    for (const page of ["0", "-1", "abc", "2.5", "1e3", "99999999", ""]) {
      const parsed = parseCatalogueParams({ page });
      expect(parsed.params.page).toBe(1);
      expect(parsed.normalised).toBe(true);
    }
    // What an empty GET form sends, unknown filter values, spaces around the search.
    expect(parseCatalogueParams({ q: "", price: "", instructor: "" })).toMatchObject({ params: { q: null, price: null, instructor: null }, normalised: true });
    expect(parseCatalogueParams({ price: "cheap", instructor: "x'; drop" })).toMatchObject({ params: { price: null, instructor: null }, normalised: true });
    expect(parseCatalogueParams({ q: "  sql   tuning " })).toMatchObject({ params: { q: "sql tuning" }, normalised: true });
    expect(parseCatalogueParams({ page: "1" }).normalised).toBe(true);
    // Repeated parameters: the first counts; other parameters are ignored.
    expect(parseCatalogueParams({ q: ["a", "b"], utm_source: "mail" })).toMatchObject({ params: { q: "a" }, normalised: false });
  });

  it("refuses an over-long search clearly instead of cutting it", () => {
    const parsed = parseCatalogueParams({ q: "x".repeat(SEARCH_MAX_LENGTH + 1) });
    expect(parsed.params.q).toBeNull();
    expect(parsed.searchError).toMatch(new RegExp(`limited to ${SEARCH_MAX_LENGTH} characters; yours has ${SEARCH_MAX_LENGTH + 1}`));
    expect(parsed.normalised).toBe(false);
    expect(parseCatalogueParams({ q: "x".repeat(SEARCH_MAX_LENGTH) }).searchError).toBeNull();
  });

  it("links the first, the last and two pages either side of the current one", () => {
    expect(pageWindow(1, 1)).toEqual([1]);
    expect(pageWindow(1, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(pageWindow(1, 42)).toEqual([1, 2, 3, null, 42]);
    expect(pageWindow(20, 42)).toEqual([1, null, 18, 19, 20, 21, 22, null, 42]);
    expect(pageWindow(4, 42)).toEqual([1, 2, 3, 4, 5, 6, null, 42]);
    expect(pageWindow(42, 42)).toEqual([1, null, 40, 41, 42]);
  });
});
