import { z } from "zod";
import { ValidationError } from "@/lib/errors";

/** Shared form-field schemas (forms send strings). Pure. */

/** An optional date/datetime string: empty means null; anything unparseable is an error. */
export const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return null;
    const d = new Date(v);
    if (Number.isNaN(d.getTime())) {
      ctx.addIssue({ code: "custom", message: "Enter a valid date." });
      return z.NEVER;
    }
    return d;
  });

/** A checkbox: "on"/"true"/"1" or a boolean. */
export const checkbox = z
  .union([z.boolean(), z.string()])
  .optional()
  .transform((v) => v === true || v === "on" || v === "true" || v === "1");

export const emailField = (message = "Enter a valid email address.") => z.string().trim().toLowerCase().pipe(z.email(message));

/** Turns zod issues into { field: [messages] }. */
export function fieldErrorsOf(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/** Parses input with a zod schema or throws a ValidationError (422) listing what is wrong. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const fieldErrors = fieldErrorsOf(result.error);
    const first = result.error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    throw new ValidationError(`${where}${first?.message ?? "Invalid input."}`, fieldErrors);
  }
  return result.data;
}
