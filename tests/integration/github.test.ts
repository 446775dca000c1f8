import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { encode } from "next-auth/jwt";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { authOptions, authOptionsFor, sessionClaims } from "@/lib/auth/options";
import { LINK_INTENT_COOKIE, LINK_INTENT_SECONDS, signLinkIntent } from "@/lib/auth/link-intent";
import { GITHUB_ACCOUNT_EXISTS, gitHubSignInErrors } from "@/lib/auth/github";
import { createUser, type UserRef } from "../support/factories";

/**
 * GitHub sign-in with GitHub's API stubbed: GET /user/emails answers `emails` for the login's
 * access token. Sign-in scenarios go through the app's own options (`authOptions`, the global
 * fetch stubbed); linking goes through `authOptionsFor(request, { fetch })` as the route does.
 */
type Email = { email: string; primary: boolean; verified: boolean };
const emailsApi = (emails: Email[]) =>
  vi.fn(async (url: string, init: { headers: Record<string, string> }) => {
    expect(url).toBe("https://api.github.com/user/emails");
    expect(init.headers.Authorization).toBe("Bearer gho_test_token");
    return new Response(JSON.stringify(emails), { status: 200, headers: { "content-type": "application/json" } });
  });

let nextGitHubId = 1000;
/** What next-auth hands the callbacks after GitHub's OAuth flow (the profile email is what GitHub shows, verified or not). */
function gitHubLogin(profileEmail: string | null, id = String(nextGitHubId++)) {
  return {
    user: { id, name: "The Octocat", email: profileEmail, image: null },
    account: { provider: "github", type: "oauth" as const, providerAccountId: id, access_token: "gho_test_token", token_type: "bearer" },
    profile: { login: `octo${id}`, email: profileEmail },
  };
}
type Login = ReturnType<typeof gitHubLogin>;
type Callbacks = NonNullable<(typeof authOptions)["callbacks"]>;

async function signIn(callbacks: Callbacks, login: Login) {
  return callbacks.signIn!(login as never);
}
/** The session claims next-auth would then issue. */
async function claims(callbacks: Callbacks, login: Login) {
  return (await callbacks.jwt!({ token: { sub: login.user.id, email: login.user.email }, user: login.user, account: login.account } as never)) as Record<string, unknown>;
}

const primary = (email: string, verified = true): Email => ({ email, primary: true, verified });
const links = (providerAccountId: string) => db.oAuthAccount.findMany({ where: { provider: "github", providerAccountId } });

let admin: UserRef;
beforeAll(async () => {
  admin = await createUser(db, { role: "ADMIN", email: "admin@example.com", password: "admin-password-42" });
});
afterEach(() => vi.unstubAllGlobals());

describe("GitHub sign-in", () => {
  it("refuses a GitHub account whose primary email is not verified (whatever its profile says)", async () => {
    vi.stubGlobal("fetch", emailsApi([primary("admin@example.com", false), { email: "other@example.com", primary: false, verified: true }]));
    const login = gitHubLogin("admin@example.com");
    expect(await signIn(authOptions.callbacks!, login)).toBe("/signin?error=GitHubEmail");
    expect(await links(login.account.providerAccountId)).toEqual([]);
    expect(gitHubSignInErrors.GitHubEmail).toMatch(/no verified primary email/);
  });

  it("refuses, and never links, a verified email that belongs to an existing (admin, password) account", async () => {
    vi.stubGlobal("fetch", emailsApi([primary("Admin@Example.com")]));
    const login = gitHubLogin("admin@example.com");
    expect(await signIn(authOptions.callbacks!, login)).toBe("/signin?error=GitHubAccountExists");
    expect(gitHubSignInErrors.GitHubAccountExists).toBe(GITHUB_ACCOUNT_EXISTS);
    expect(await links(login.account.providerAccountId)).toEqual([]);
    await expect(claims(authOptions.callbacks!, login)).rejects.toThrow(); // no session for the admin either
  });

  it("creates a student linked to a new GitHub account with a verified email, then signs it in by the link", async () => {
    vi.stubGlobal("fetch", emailsApi([primary("new.octocat@example.com")]));
    const login = gitHubLogin(null);
    expect(await signIn(authOptions.callbacks!, login)).toBe(true);
    const user = await db.user.findUniqueOrThrow({ where: { email: "new.octocat@example.com" } });
    expect(user).toMatchObject({ role: "STUDENT", name: "The Octocat", passwordHash: null });
    expect(await links(login.account.providerAccountId)).toMatchObject([{ userId: user.id, login: login.profile.login }]);
    expect(await claims(authOptions.callbacks!, login)).toMatchObject({ sub: user.id, uid: user.id, role: "STUDENT", sv: 0, email: user.email });
  });

  it("signs in the linked user, whatever email GitHub now reports", async () => {
    const instructor = await createUser(db, { role: "INSTRUCTOR", password: "instructor-pass-42" });
    const login = gitHubLogin("someone-else@example.com");
    await db.oAuthAccount.create({ data: { provider: "github", providerAccountId: login.account.providerAccountId, userId: instructor.id } });
    vi.stubGlobal("fetch", emailsApi([primary("someone-else@example.com")]));
    expect(await signIn(authOptions.callbacks!, login)).toBe(true);
    const c = await claims(authOptions.callbacks!, login);
    expect(c).toMatchObject({ sub: instructor.id, uid: instructor.id, role: "INSTRUCTOR", email: instructor.email });
    expect(typeof c.sid).toBe("string");
    // Disabled: refused.
    await db.user.update({ where: { id: instructor.id }, data: { disabled: true } });
    expect(await signIn(authOptions.callbacks!, login)).toBe("/signin?error=AccountDisabled");
  });
});

describe("linking GitHub from the account page", () => {
  const secret = appConfig().auth.secret;

  /** A request to the GitHub callback carrying `session`'s cookie and a link intent. */
  async function callbackRequest(session: UserRef | null, intent: string | undefined, sid?: string) {
    const cookies: string[] = [];
    if (session) {
      const token = { ...sessionClaims(session), ...(sid ? { sid } : {}) };
      cookies.push(`next-auth.session-token=${await encode({ token, secret })}`);
    }
    if (intent) cookies.push(`${LINK_INTENT_COOKIE}=${intent}`);
    return new Request("http://localhost:3000/api/auth/callback/github?code=x&state=y", { headers: { cookie: cookies.join("; ") } });
  }
  async function linkAttempt(request: Request, login: Login) {
    const options = await authOptionsFor(request, { fetch: emailsApi([primary("whatever@example.com")]) });
    return signIn(options.callbacks!, login);
  }

  it("links the GitHub account to the signed-in user who asked, from that session, and to nobody else", async () => {
    const [x, y] = [await createUser(db, { password: "user-x-pass-42" }), await createUser(db, { password: "user-y-pass-42" })];
    const sid = "session-of-x-000000001";
    const intent = signLinkIntent({ id: x.id, sessionId: sid });
    const login = gitHubLogin("whatever@example.com");

    // Y's browser replaying X's intent, X's intent in another session of X, no session at all: refused.
    expect(await linkAttempt(await callbackRequest(y, intent, sid), login)).toBe("/account?github=link-expired");
    expect(await linkAttempt(await callbackRequest(x, intent, "another-session-of-x-2"), login)).toBe("/account?github=link-expired");
    expect(await linkAttempt(await callbackRequest(null, intent), login)).toBe("/account?github=link-expired");
    expect(await links(login.account.providerAccountId)).toEqual([]);

    expect(await linkAttempt(await callbackRequest(x, intent, sid), login)).toBe("/account?github=linked");
    expect(await links(login.account.providerAccountId)).toMatchObject([{ userId: x.id }]);

    // Y cannot take it over with an intent of their own.
    const intentY = signLinkIntent({ id: y.id, sessionId: "session-of-y-000000001" });
    expect(await linkAttempt(await callbackRequest(y, intentY, "session-of-y-000000001"), login)).toBe("/account?github=github-taken");
    expect(await links(login.account.providerAccountId)).toMatchObject([{ userId: x.id }]);
  });

  it("refuses forged and expired intents", async () => {
    const x = await createUser(db, { password: "user-x-pass-42" });
    const sid = "session-of-x-000000009";
    const login = gitHubLogin("whatever@example.com");
    const [payload, mac] = signLinkIntent({ id: x.id, sessionId: sid }).split(".");
    const forged = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, "base64url").toString()), uid: admin.id })).toString("base64url")}.${mac}`;
    expect(await linkAttempt(await callbackRequest(admin, forged, sid), login)).toBe("/account?github=link-expired");
    const expired = signLinkIntent({ id: x.id, sessionId: sid }, Date.now() - (LINK_INTENT_SECONDS + 1) * 1000);
    expect(await linkAttempt(await callbackRequest(x, expired, sid), login)).toBe("/account?github=link-expired");
    expect(await links(login.account.providerAccountId)).toEqual([]);
  });
});
