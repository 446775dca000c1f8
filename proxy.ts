import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { isInstructorRole, type Role } from "@/lib/access/policy";
import { appConfig } from "@/lib/config";
import { PATH_HEADER } from "@/lib/http/denial-path";
import { newNonce, securityHeaders, storageOriginsOf } from "@/lib/http/security-headers";

/**
 * Runs before every page and API route (Next 16 "proxy", formerly middleware):
 * 1. security headers with a fresh CSP nonce (lib/http/security-headers.ts); the nonce also goes
 *    on the request so Next.js puts it on its scripts;
 * 2. a first gate for the signed-in areas: it only checks that a session cookie exists (and,
 *    for /instructor, its role claim); every page, route handler and action re-checks on the
 *    server through lib/access, with the user read fresh from the database.
 */
const SIGNED_IN_AREAS = ["/dashboard", "/redeem", "/instructor", "/account", "/admin"];

function headersFor(nonce: string): Record<string, string> {
  const { media, storage, auth, server, nodeEnv } = appConfig();
  return securityHeaders({
    nonce,
    mediaOrigin: media.baseUrl ? new URL(media.baseUrl).origin : "",
    storageOrigins: storageOriginsOf(storage),
    github: auth.github !== null,
    development: nodeEnv === "development",
    https: server.publicUrl.startsWith("https://"),
  });
}

function withHeaders(res: NextResponse, headers: Record<string, string>): NextResponse {
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

export async function proxy(request: NextRequest) {
  const headers = headersFor(newNonce());
  const { pathname, search } = request.nextUrl;

  if (SIGNED_IN_AREAS.some((area) => pathname === area || pathname.startsWith(`${area}/`))) {
    const token = await getToken({ req: request, secret: appConfig().auth.secret });
    if (!token) {
      const url = new URL("/signin", request.url);
      url.searchParams.set("callbackUrl", pathname + search);
      return withHeaders(NextResponse.redirect(url), headers);
    }
    if (pathname.startsWith("/instructor") && !isInstructorRole(token.role as Role | undefined)) {
      return withHeaders(NextResponse.redirect(new URL("/forbidden?reason=instructor-only", request.url)), headers);
    }
  }

  // Next reads the nonce from the request's policy header and applies it to its scripts. The
  // path goes along for app/forbidden.tsx (a client-sent value is replaced).
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("Content-Security-Policy", headers["Content-Security-Policy"]);
  requestHeaders.set(PATH_HEADER, pathname);
  return withHeaders(NextResponse.next({ request: { headers: requestHeaders } }), headers);
}

export const config = {
  // Everything but Next's hashed static files and the favicon.
  matcher: [{ source: "/((?!_next/static|_next/image|favicon.ico).*)" }],
};
