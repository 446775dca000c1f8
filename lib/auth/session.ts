import "server-only";
import { cache } from "react";
import { getServerSession } from "next-auth";
import { db } from "@/lib/db";
import type { Viewer } from "@/lib/access/policy";
import { UnauthenticatedError } from "@/lib/errors";
import { authOptions } from "./options";

export interface CurrentUser extends Viewer {
  email: string;
  name: string;
}

/**
 * The signed-in user, read fresh from the database once per request (React cache):
 * a role change or a deleted account takes effect on the next request, whatever the JWT says.
 */
export const getCurrentUser = cache(async (): Promise<CurrentUser | null> => {
  const session = await getServerSession(authOptions);
  const id = session?.user?.id;
  if (!id) return null;
  const user = await db.user.findUnique({ where: { id }, select: { id: true, email: true, name: true, role: true } });
  return user ?? null;
});

export async function requireUser(): Promise<CurrentUser> {
  const user = await getCurrentUser();
  if (!user) throw new UnauthenticatedError();
  return user;
}
