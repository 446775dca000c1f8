import { NextResponse } from "next/server";
import { registerUser, signUpSchema } from "@/lib/auth/users";
import { parseInput, readJson, route } from "@/lib/http/handler";
import { requestClientIp } from "@/lib/ops/client-ip";

/**
 * POST { name, email, password } -> 201 { user } | 409 not created (the message does not say
 * whether the email has an account) | 422 invalid/weak password | 429 too many sign-ups from
 * this client (Retry-After).
 */
export const POST = route(async (request) => {
  const input = parseInput(signUpSchema, await readJson(request));
  const user = await registerUser(input, { clientIp: requestClientIp(request.headers) });
  return NextResponse.json({ user }, { status: 201 });
});
