import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Session } from "next-auth";

// getCurrentUser reads the session through next-auth's getServerSession (request cookies):
// here it returns the session a test hands it, so the rest of the code runs as in a request.
const current = vi.hoisted(() => ({ session: null as Session | null }));
vi.mock("next-auth", async (importOriginal) => ({
  ...(await importOriginal<typeof import("next-auth")>()),
  getServerSession: async () => current.session,
}));

import { db } from "@/lib/db";
import { authOptions, ACCOUNT_DISABLED, WRONG_CREDENTIALS } from "@/lib/auth/options";
import { getCurrentUser } from "@/lib/auth/session";
import { endSessions, setUserDisabled, setUserRole } from "@/lib/users";
import { ConflictError, ForbiddenError } from "@/lib/errors";
import { CLIENT_IP_HEADER } from "@/lib/ops/client-ip";
import { createUser, type UserRef } from "../support/factories";

type Claims = { uid: string; role: UserRef["role"]; sv?: number; sid?: string };
const jwt = authOptions.callbacks!.jwt!;

/** Signs `user` in as next-auth would: the `jwt` callback's claims for a new credentials session. */
async function signIn(user: UserRef): Promise<Claims> {
  const row = await db.user.findUniqueOrThrow({ where: { id: user.id } });
  const token = await jwt({ token: {}, user: row as never, account: { provider: "credentials", type: "credentials", providerAccountId: row.id } } as never);
  return token as Claims;
}

/** The current request carries this session. */
function withSession(claims: Claims) {
  current.session = { expires: "", user: { id: claims.uid, role: claims.role, sv: claims.sv, sid: claims.sid } };
}

async function whoAmI(claims: Claims) {
  withSession(claims);
  return getCurrentUser();
}

let admin: UserRef;
beforeEach(async () => {
  current.session = null;
  admin ??= await createUser(db, { role: "ADMIN" });
});

describe("sessions", () => {
  it("a session carries the user's session version and a random session id, exposed as CurrentUser.sessionId", async () => {
    const user = await createUser(db);
    const [a, b] = [await signIn(user), await signIn(user)];
    expect(a).toMatchObject({ uid: user.id, role: "STUDENT", sv: 0 });
    expect(a.sid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(b.sid).not.toBe(a.sid);
    expect(await whoAmI(a)).toEqual({ id: user.id, email: user.email, name: user.name, role: "STUDENT", sessionId: a.sid });
  });

  it("a disabled user's sessions end on the next request, and stay ended when the account is enabled again", async () => {
    const user = await createUser(db);
    const session = await signIn(user);
    expect(await whoAmI(session)).not.toBeNull();
    await setUserDisabled(admin, user.id, true);
    expect(await whoAmI(session)).toBeNull();
    await setUserDisabled(admin, user.id, false);
    expect(await whoAmI(session)).toBeNull();
    expect(await whoAmI(await signIn(user))).toMatchObject({ id: user.id });
  });

  it("a role change ends the user's sessions (they were issued for the old role)", async () => {
    const user = await createUser(db);
    const session = await signIn(user);
    await setUserRole(admin, user.id, "INSTRUCTOR");
    expect(await whoAmI(session)).toBeNull();
    expect(await whoAmI(await signIn(user))).toMatchObject({ id: user.id, role: "INSTRUCTOR" });
  });

  it("sign out everywhere ends every session of that user and no one else's", async () => {
    const [user, other] = [await createUser(db), await createUser(db)];
    const [laptop, phone, others] = [await signIn(user), await signIn(user), await signIn(other)];
    await endSessions({ id: user.id, role: user.role }, user.id);
    expect(await whoAmI(laptop)).toBeNull();
    expect(await whoAmI(phone)).toBeNull();
    expect(await whoAmI(others)).toMatchObject({ id: other.id });
    // An admin may end anyone's sessions; a student only their own.
    const again = await signIn(user);
    await expect(endSessions({ id: other.id, role: "STUDENT" }, user.id)).rejects.toBeInstanceOf(ForbiddenError);
    await endSessions(admin, user.id);
    expect(await whoAmI(again)).toBeNull();
  });

  it("a deleted user's session and a session from before session versions are signed out", async () => {
    const user = await createUser(db);
    const session = await signIn(user);
    expect(await whoAmI({ uid: user.id, role: user.role })).toBeNull(); // no sv / sid claims
    await db.user.delete({ where: { id: user.id } });
    expect(await whoAmI(session)).toBeNull();
  });

  it("only admins manage users, and not their own account", async () => {
    const [student, instructor] = [await createUser(db), await createUser(db, { role: "INSTRUCTOR" })];
    await expect(setUserDisabled(instructor, student.id, true)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setUserRole(student, student.id, "ADMIN")).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setUserDisabled(admin, admin.id, true)).rejects.toBeInstanceOf(ConflictError);
    await expect(setUserRole(admin, admin.id, "STUDENT")).rejects.toBeInstanceOf(ConflictError);
    await expect(setUserRole(admin, student.id, "ROOT")).rejects.toThrow(/Choose a role/);
  });
});

describe("sign-in of a disabled account", () => {
  type Authorize = (creds: Record<string, string>, req: { headers: Record<string, string> }) => Promise<unknown>;
  const authorize = (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize;
  const req = { headers: { [CLIENT_IP_HEADER]: "192.0.2.44" } };

  it("is refused with a clear message once the password is right (a wrong one still says only that)", async () => {
    const user = await createUser(db, { password: "disabled-pass-42" });
    await setUserDisabled(admin, user.id, true);
    await expect(authorize({ email: user.email, password: "wrong-pass-42" }, req)).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(authorize({ email: user.email, password: "disabled-pass-42" }, req)).rejects.toThrow(ACCOUNT_DISABLED);
    await setUserDisabled(admin, user.id, false);
    await expect(authorize({ email: user.email, password: "disabled-pass-42" }, req)).resolves.toMatchObject({ id: user.id });
  });
});
