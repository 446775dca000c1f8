import { z } from "zod";

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
