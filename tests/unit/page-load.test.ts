import { describe, expect, it } from "vitest";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { loadForPage, signInUrl } from "@/lib/http/page";

/** What next/navigation threw: notFound() and redirect() end rendering with an error that carries a digest. */
async function digestOf(p: Promise<unknown>): Promise<string> {
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return String((error as { digest?: string } | null)?.digest);
}

describe("loadForPage: the one page-level mapping of domain errors", () => {
  it("hands the value over", async () => {
    expect(await loadForPage("/x", async () => 42)).toEqual({ ok: true, value: 42 });
  });

  it("maps not found to the 404 page and signed-out to the sign-in page, back to the path", async () => {
    expect(await digestOf(loadForPage("/courses/a", () => Promise.reject(new NotFoundError())))).toMatch(/404/);
    const digest = await digestOf(loadForPage("/courses/a b", () => Promise.reject(new UnauthenticatedError())));
    expect(digest).toContain("NEXT_REDIRECT");
    expect(digest).toContain(signInUrl("/courses/a b"));
  });

  it("returns a denial (with its reason) for the page's 403 panel, and lets other errors through", async () => {
    expect(await loadForPage("/x", () => Promise.reject(new ForbiddenError("No.", "not-enrolled")))).toEqual({ ok: false, message: "No.", reason: "not-enrolled" });
    await expect(loadForPage("/x", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
  });

  it("builds sign-in links that come back to the page", () => {
    expect(signInUrl("/courses/sql-basics?x=1")).toBe("/signin?callbackUrl=%2Fcourses%2Fsql-basics%3Fx%3D1");
  });
});
