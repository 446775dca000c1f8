import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { requestClientIp } from "@/lib/ops/client-ip";
import { dummyPasswordHash, verifyPassword } from "./password";
import { clearFailures, countAttempt, lockedFor, recordFailure, throttleKey } from "./throttle";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(200),
});

export const WRONG_CREDENTIALS = "Wrong email or password.";
export const ACCOUNT_DISABLED = "This account is disabled. Contact an administrator if you think this is a mistake.";

/** The user a sign-in stands for: what the `jwt` callback puts in the session. */
export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  role: "STUDENT" | "INSTRUCTOR" | "ADMIN";
  sessionVersion: number;
}

/**
 * The credentials provider's check. The client is the address the app server computed (socket
 * + TRUST_PROXY_HOPS, lib/ops/client-ip), never X-Forwarded-For. Every attempt spends one of the
 * client's attempts before any hashing; an unknown email (or an account without a password) is
 * verified against a dummy hash, so it costs the same time and counts the same failures. A
 * disabled account is refused only once its password was right (the refusal reveals nothing to
 * someone who does not know it). Errors are thrown with the message the sign-in form shows.
 */
export async function authorizeCredentials(credentials: unknown, headers: unknown): Promise<SignedInUser> {
  const ip = requestClientIp(headers as Headers | Record<string, string> | undefined);
  await countAttempt(ip);
  const parsed = credentialsSchema.safeParse(credentials);
  if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
  const { email, password } = parsed.data;
  const key = throttleKey(email, ip);
  const wait = await lockedFor(key);
  if (wait > 0) {
    throw new Error(`Too many failed attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
  }
  const user = await db.user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user || !user.passwordHash || !ok) {
    await recordFailure(key);
    throw new Error(WRONG_CREDENTIALS);
  }
  await clearFailures(key);
  if (user.disabled) throw new Error(ACCOUNT_DISABLED);
  return { id: user.id, email: user.email, name: user.name, role: user.role, sessionVersion: user.sessionVersion };
}
