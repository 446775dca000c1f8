import "server-only";
import { cache } from "react";
import { getServerSession } from "next-auth";
import { UnauthenticatedError } from "@/lib/errors";
import { authOptions } from "./options";
import { userForSession, type CurrentUser } from "./session-user";

export { userForSession, type CurrentUser, type SessionClaims } from "./session-user";

/**
 * The signed-in user, once per request (React cache): every page, route handler and action
 * asks this, so an ended session (see userForSession) is signed out on its next request,
 * whatever the JWT says.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await getServerSession(authOptions);
  const user = session?.user;
  return user ? userForSession({ uid: user.id, sv: user.sv, sid: user.sid }) : null;
});

export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new UnauthenticatedError();
  return user;
}
