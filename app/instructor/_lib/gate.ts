import "server-only";
import { notFound, redirect } from "next/navigation";
import { requireInstructorRole } from "@/lib/access";
import { getCurrentUser, type CurrentUser } from "@/lib/auth/session";
import { ForbiddenError, NotFoundError, UnauthenticatedError } from "@/lib/errors";

export function signInUrl(path: string) {
  return `/signin?callbackUrl=${encodeURIComponent(path)}`;
}

export type Gate = { ok: true; user: CurrentUser } | { ok: false; user: CurrentUser; message: string };

/**
 * Page guard for the instructor area: signed out -> sign-in page (back to `path`);
 * signed in without the instructor/admin role -> { ok: false } so the page renders a 403 panel.
 */
export async function instructorGate(path: string): Promise<Gate> {
  const user = await getCurrentUser();
  if (!user) redirect(signInUrl(path));
  try {
    requireInstructorRole(user);
  } catch (error) {
    if (error instanceof ForbiddenError) return { ok: false, user, message: error.message };
    throw error;
  }
  return { ok: true, user };
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; message: string };

/** Runs a domain read for a page: 404 -> notFound(), 401 -> sign-in, 403 -> { ok: false } (403 panel). */
export async function loadForPage<T>(path: string, fn: () => Promise<T>): Promise<Loaded<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    if (error instanceof NotFoundError) notFound();
    if (error instanceof UnauthenticatedError) redirect(signInUrl(path));
    if (error instanceof ForbiddenError) return { ok: false, message: error.message };
    throw error;
  }
}
