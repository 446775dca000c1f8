import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { requireAccountManager, requireUserAdmin, type Role, type Viewer } from "@/lib/access";
import { ConflictError, NotFoundError, UnauthenticatedError } from "@/lib/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { parseInput } from "@/lib/validation";

/**
 * Accounts: the administrators' user list (search, disable/enable, role, sign out everywhere)
 * and a user's own account page. Every change that must end the account's sessions goes
 * through `updateEndingSessions`, which bumps User.sessionVersion in the same statement:
 * lib/auth/session.ts then treats every session issued before as ended on its next request
 * (pages, route handlers, media-session refreshes, actions). A deleted account's sessions end
 * too: lib/auth/session.ts finds no user.
 */

/** The one place that ends an account's sessions: `data` and the session-version bump in one update. */
function updateEndingSessions(userId: string, data: Prisma.UserUpdateInput = {}) {
  return db.user.update({
    where: { id: userId },
    data: { ...data, sessionVersion: { increment: 1 } },
    select: { id: true, email: true, role: true, disabled: true, sessionVersion: true },
  });
}

async function existingUser(userId: string) {
  const user = await db.user.findUnique({ where: { id: String(userId) }, select: { id: true, role: true, disabled: true } });
  if (!user) throw new NotFoundError("User not found.");
  return user;
}

/** OAuthAccount.provider of GitHub links (lib/auth/github.ts). */
const GITHUB = "github";

export const USERS_PAGE_SIZE = 50;

export const userSearchSchema = z.object({ q: z.string().trim().max(200).optional().default("") });

/** Users matching a search (email or name, case-insensitive), newest first; admins only. */
export async function listUsers(viewer: Viewer | null, input: z.input<typeof userSearchSchema>) {
  requireUserAdmin(viewer);
  const { q } = parseInput(userSearchSchema, input);
  const where: Prisma.UserWhereInput = q
    ? { OR: [{ email: { contains: q, mode: "insensitive" } }, { name: { contains: q, mode: "insensitive" } }] }
    : {};
  const [users, total] = await Promise.all([
    db.user.findMany({
      where,
      orderBy: { createdAt: "desc" },
      take: USERS_PAGE_SIZE,
      select: {
        id: true,
        email: true,
        name: true,
        role: true,
        disabled: true,
        createdAt: true,
        passwordHash: true,
        oauthAccounts: { select: { provider: true } },
      },
    }),
    db.user.count({ where }),
  ]);
  return {
    total,
    users: users.map(({ passwordHash, oauthAccounts, ...u }) => ({ ...u, hasPassword: passwordHash !== null, providers: oauthAccounts.map((a) => a.provider) })),
  };
}

/** Disables (or re-enables) an account; disabling ends its sessions. Admins only, never their own account. */
export async function setUserDisabled(viewer: Viewer | null, userId: string, disabled: boolean) {
  const admin = requireUserAdmin(viewer);
  const user = await existingUser(userId);
  if (user.id === admin.id) throw new ConflictError("You cannot disable your own account.");
  if (user.disabled === disabled) return user;
  return disabled ? updateEndingSessions(user.id, { disabled: true }) : db.user.update({ where: { id: user.id }, data: { disabled: false } });
}

export const roleSchema = z.enum(["STUDENT", "INSTRUCTOR", "ADMIN"], { message: "Choose a role." });

/** Changes an account's role and ends its sessions (they were issued for the old role). Admins only, never their own. */
export async function setUserRole(viewer: Viewer | null, userId: string, role: Role | string) {
  const admin = requireUserAdmin(viewer);
  const next = parseInput(roleSchema, role);
  const user = await existingUser(userId);
  if (user.id === admin.id) throw new ConflictError("You cannot change your own role.");
  if (user.role === next) return user;
  return updateEndingSessions(user.id, { role: next });
}

/** "Sign out everywhere": ends every session of the account, the viewer's own included when it is theirs. */
export async function endSessions(viewer: Viewer | null, userId: string) {
  requireAccountManager(viewer, userId);
  await existingUser(userId);
  return updateEndingSessions(String(userId));
}

/** The signed-in user's own account: what the account page shows. */
export async function getAccount(viewer: Viewer | null) {
  if (!viewer) throw new UnauthenticatedError();
  const user = await db.user.findUnique({
    where: { id: viewer.id },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      createdAt: true,
      passwordHash: true,
      oauthAccounts: { where: { provider: GITHUB }, select: { login: true, createdAt: true } },
    },
  });
  if (!user) throw new UnauthenticatedError();
  const { passwordHash, oauthAccounts, ...rest } = user;
  return { ...rest, hasPassword: passwordHash !== null, github: oauthAccounts[0] ?? null };
}

/** Removes the account's GitHub link, unless GitHub is its only way to sign in (no password). */
export async function unlinkGitHub(viewer: Viewer | null, userId: string) {
  requireAccountManager(viewer, userId);
  const user = await db.user.findUnique({ where: { id: String(userId) }, select: { passwordHash: true } });
  if (!user) throw new NotFoundError("User not found.");
  if (!user.passwordHash) throw new ConflictError("GitHub is the only way this account signs in, so it cannot be unlinked.");
  await db.oAuthAccount.deleteMany({ where: { userId: String(userId), provider: GITHUB } });
}
