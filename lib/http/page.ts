import "server-only";
import { notFound, redirect } from "next/navigation";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import { signInUrl } from "./safe-redirect";

export { signInUrl };

export type Loaded<T> = { ok: true; value: T } | { ok: false; message: string; reason?: string };

/**
 * Runs a domain read for a page: the one mapping of domain errors to what student and
 * instructor pages show. NotFoundError -> notFound() (404 page), UnauthenticatedError -> the
 * sign-in page (back to `path`), ForbiddenError -> { ok: false } so the page renders its 403 panel.
 * Anything else propagates (error page).
 */
export async function loadForPage<T>(path: string, fn: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    if (error instanceof UnauthenticatedError) redirect(signInUrl(path));
    if (error instanceof ForbiddenError) return { ok: false, message: error.message, reason: error.reason };
    throw error;
  }
}
