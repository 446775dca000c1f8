import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { ConflictError, ValidationError } from "@/lib/errors";
import { claimInvitations } from "@/lib/enrollments/invitations";
import { consume, limiter } from "@/lib/rate-limit";
import { hashPassword, passwordProblem } from "./password";

export const signUpSchema = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(100, "Use at most 100 characters."),
  email: z.string().trim().toLowerCase().pipe(z.email("Enter a valid email address.")),
  password: z.string(),
});

export type SignUpInput = z.infer<typeof signUpSchema>;

/**
 * What a refused sign-up says. It does not say that the email has an account, yet tells a
 * returning user what to do. Without email verification a sign-up form cannot fully hide which
 * emails exist (a new email succeeds, a taken one cannot); the per-client limit bounds how many
 * a client can probe, and both paths hash the password so timing says nothing more.
 */
export const SIGNUP_REFUSED = "We could not create an account with these details. If you signed up before, sign in instead.";

/**
 * Creates a student account; invitations to its email become enrolments in the same
 * transaction (lib/enrollments/invitations.ts). Throws ValidationError (weak password), RateLimitedError (too many
 * sign-ups from this client: SIGNUP_MAX_PER_CLIENT per SIGNUP_WINDOW_MINUTES) or ConflictError
 * (SIGNUP_REFUSED). `clientIp` is the address the app server computed (lib/ops/client-ip).
 */
export async function registerUser(input: SignUpInput, { clientIp }: { clientIp: string }) {
  const problem = passwordProblem(input.password, input.email);
  if (problem) throw new ValidationError(problem, { password: [problem] });
  await consume(limiter("signup-client", appConfig().auth.signUps), clientIp, "sign-ups");
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email: input.email, name: input.name, passwordHash, role: "STUDENT" },
        select: { id: true, email: true, name: true, role: true },
      });
      await claimInvitations(tx, user);
      return user;
    });
  } catch (e) {
    if ((e as { code?: string }).code === "P2002") throw new ConflictError(SIGNUP_REFUSED);
    throw e;
  }
}
