import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptionsFor } from "@/lib/auth/options";
import { clearedLinkIntentCookie, LINK_INTENT_COOKIE } from "@/lib/auth/link-intent";

type Context = { params: Promise<{ nextauth: string[] }> };

/**
 * next-auth's routes. The options depend on the request: a "Link GitHub" intent cookie (set by
 * the account page) turns the GitHub callback into linking; the callback then deletes it.
 */
async function handler(request: NextRequest, context: Context): Promise<Response> {
  const response = (await NextAuth(request, context, await authOptionsFor(request))) as Response;
  if (request.cookies.has(LINK_INTENT_COOKIE) && request.nextUrl.pathname.endsWith("/callback/github")) {
    response.headers.append("Set-Cookie", clearedLinkIntentCookie());
  }
  return response;
}

export { handler as GET, handler as POST };
