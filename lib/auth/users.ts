import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { ConflictError, ValidationError } from "@/lib/errors";
import { hashPassword, passwordProblem } from "./password";

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters."),
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")),
  password: z.string(),
});

export type SignUpInput = z.infer<typeof signUpSchema>;

/** Creates a student account. Throws ValidationError (weak password) or ConflictError (email taken). */
export async function registerUser(input: SignUpInput) {
  const problem = passwordProblem(input.password, input.email);
  if (problem) throw new ValidationError(problem, { password: [problem] });
  const existing = await db.user.findUnique({ where: { email: input.email }, select: { id: true } });
  if (existing) throw new ConflictError("An account with this email already exists. Sign in instead.");
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.user.create({
      data: { email: input.email, name: input.name, passwordHash, role: "STUDENT" },
      select: { id: true, email: true, name: true, role: true },
    });
  } catch (e) {
    if ((e as { code?: string }).code === "P2002") {
      throw new ConflictError("An account with this email already exists. Sign in instead.");
    }
    throw e;
  }
}
