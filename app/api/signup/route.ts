import { NextResponse } from "next/server";
import { registerUser, signUpSchema } from "@/lib/auth/users";
import { parseInput, readJson, route } from "@/lib/http/handler";

/** POST { name, email, password } -> 201 { user } | 409 email taken | 422 invalid/weak password. */
export const POST = route(async (request) => {
  const input = parseInput(signUpSchema, await readJson(request));
  const user = await registerUser(input);
  return NextResponse.json({ user }, { status: 201 });
});
