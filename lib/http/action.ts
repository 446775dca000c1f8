import "server-only";
import { revalidatePath } from "next/cache";
import { redirect, unstable_rethrow } from "next/navigation";
import { getCurrentUser, type CurrentUser } from "@/lib/auth/session";
import { AppError, ValidationError } from "@/lib/errors";

import type { ActionResult } from "./action-result";

export type { ActionResult };

/** Runs an action body and maps domain errors to a form result (redirects pass through). */
export async function runAction<T>(fn: () => Promise<T | ActionResult<T>>, message?: string): Promise<ActionResult<T>> {
  try {
    const value = await fn();
    if (value && typeof value === "object" && "ok" in (value as object)) return value as ActionResult<T>;
    return { ok: true, data: value as T, message };
  } catch (error) {
    unstable_rethrow(error); // redirect(), notFound() and friends pass through
    if (error instanceof ValidationError) return { ok: false, error: error.message, fieldErrors: error.fieldErrors };
    if (error instanceof AppError) return { ok: false, error: error.message };
    console.error(error);
    return { ok: false, error: "Something went wrong on our side. Nothing was changed." };
  }
}

export function formObject(form: FormData): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of form.entries()) if (typeof v === "string") out[k] = v;
  return out;
}

type Result = ActionResult<unknown>;
type PreviousState = ActionResult<unknown> | null;

/** What an instructor action does after its domain call; callbacks get its value and the bound arguments. */
export interface InstructorActionOptions<A extends unknown[], T> {
  /** The success message shown by the form or button. */
  message?: string | ((value: T, ...args: A) => string);
  /** Where to go after a success, if anywhere (after the pages are refreshed). */
  redirectTo?: (value: T, ...args: A) => string | null | undefined;
  /**
   * When field errors are shown next to their fields, the banner says so instead of repeating
   * one (default for form actions; off for buttons and forms that show no field errors).
   */
  summarize?: boolean;
}

/** Field errors are shown next to their fields; the banner then says so instead of repeating one. */
function summarized(result: Result): Result {
  if (!result.ok && result.fieldErrors && Object.keys(result.fieldErrors).some((k) => k !== "_")) {
    return { ...result, error: "Please fix the fields marked below." };
  }
  return result;
}

/**
 * The one body of every instructor action: the signed-in user (the domain call checks what they
 * may do), the domain call with domain errors mapped to a result, then on success a refresh of every
 * page (course data shows on the catalogue, course pages, dashboards and the instructor area) and
 * the success message or redirect.
 */
async function perform<A extends unknown[], T>(
  call: (viewer: CurrentUser | null) => Promise<T>,
  args: A,
  { message, redirectTo, summarize = false }: InstructorActionOptions<A, T>,
): Promise<Result> {
  const viewer = await getCurrentUser();
  let value: T | undefined;
  const result = await runAction(async () => {
    value = await call(viewer);
  });
  if (!result.ok) return summarize ? summarized(result) : result;
  revalidatePath("/", "layout");
  const to = redirectTo?.(value as T, ...args);
  if (to) redirect(to);
  return { ok: true, message: typeof message === "function" ? message(value as T, ...args) : message };
}

/** Builds a server action for a button: `action.bind(null, ...args)`. */
export function instructorAction<A extends unknown[], T>(
  call: (viewer: CurrentUser | null, ...args: A) => Promise<T>,
  options: InstructorActionOptions<A, T> = {},
): (...args: A) => Promise<Result> {
  return async (...args: A) => perform((viewer) => call(viewer, ...args), args, options);
}

/** Builds a server action for an <ActionForm>: `action.bind(null, ...args)`, then React passes (previous state, form data). */
export function instructorFormAction<A extends unknown[], T>(
  call: (viewer: CurrentUser | null, form: FormData, ...args: A) => Promise<T>,
  options: InstructorActionOptions<A, T> = {},
): (...args: [...A, PreviousState, FormData]) => Promise<Result> {
  return async (...all: [...A, PreviousState, FormData]) => {
    const form = all[all.length - 1] as FormData;
    const args = all.slice(0, -2) as unknown as A;
    return perform((viewer) => call(viewer, form, ...args), args, { summarize: true, ...options });
  };
}

/**
 * The same builders for actions outside the instructor area (account page, user administration):
 * nothing in them is about instructors; the domain call checks what the viewer may do.
 */
export const signedInAction = instructorAction;
export const signedInFormAction = instructorFormAction;
