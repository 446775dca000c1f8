import "server-only";
import { unstable_rethrow } from "next/navigation";
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
