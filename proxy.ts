import { NextResponse, type NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { isInstructorRole, type Role } from "@/lib/access/policy";
import { appConfig } from "@/lib/config";

/**
 * First gate for the signed-in areas (Next 16 "proxy", formerly middleware). It only
 * checks that a session exists (and, for /instructor, its role claim); every page,
 * route handler and action re-checks on the server through lib/access.
 */
export async function proxy(request: NextRequest) {
  const token = await getToken({ req: request, secret: appConfig().auth.secret });
  const { pathname, search } = request.nextUrl;
  if (!token) {
    const url = new URL("/signin", request.url);
    url.searchParams.set("callbackUrl", pathname + search);
    return NextResponse.redirect(url);
  }
  if (pathname.startsWith("/instructor") && !isInstructorRole(token.role as Role | undefined)) {
    return NextResponse.redirect(new URL("/forbidden?reason=instructor-only", request.url));
  }
  return NextResponse.next();
}

export const config = {
  matcher: ["/dashboard/:path*", "/redeem/:path*", "/instructor/:path*"],
};
