import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { claimInvitations } from "@/lib/enrollments/invitations";
import { ACCOUNT_DISABLED } from "./credentials";
import { readLinkIntent } from "./link-intent";
import { userForSession, type SessionClaims } from "./session-user";

/**
 * GitHub sign-in (next-auth's `signIn` callback), with no trust in emails GitHub has not verified
 * and no linking by email:
 *
 * - every GitHub login must have a primary, verified email (GET /user/emails with the login's
 *   access token);
 * - a GitHub account linked to a local account (OAuthAccount) signs in that account (unless it
 *   is disabled);
 * - an unlinked GitHub account whose verified email matches no account creates a student account
 *   linked to it (invitations to that email become enrolments);
 * - an unlinked GitHub account whose email matches an existing account is refused: it is never
 *   joined to it (a password or staff account would be taken over by whoever controls that
 *   email at GitHub). The owner links GitHub from their account page instead: with a link
 *   intent (lib/auth/link-intent.ts) the login is linked to the signed-in user who started it.
 *
 * Outcomes are `true` (sign in) or the path to redirect to with a message.
 */

export const PROVIDER = "github";
export const GITHUB_ACCOUNT_EXISTS = "An account with this email already exists. Sign in with your password, then link GitHub from your account page.";
export const GITHUB_NO_VERIFIED_EMAIL = "Your GitHub account has no verified primary email. Verify it on GitHub, then try again.";

/** Sign-in page error codes (`/signin?error=…`) and what they say. */
export const gitHubSignInErrors: Record<string, string> = {
  GitHubEmail: GITHUB_NO_VERIFIED_EMAIL,
  GitHubAccountExists: GITHUB_ACCOUNT_EXISTS,
  AccountDisabled: ACCOUNT_DISABLED,
};

/** Account page outcomes of "Link GitHub" (`/account?github=…`). */
export const gitHubLinkOutcomes = {
  linked: "GitHub is now linked: you can sign in with it.",
  "link-expired": "Linking GitHub did not complete: start again from this page (the link request lasts 10 minutes).",
  "github-email": GITHUB_NO_VERIFIED_EMAIL,
  "github-taken": "That GitHub account is already linked to another account.",
  "already-linked": "Another GitHub account is already linked to this account: unlink it first.",
} as const;
export type GitHubLinkOutcome = keyof typeof gitHubLinkOutcomes;

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<Pick<Response, "ok" | "status" | "json">>;

const emailsSchema = z.array(z.object({ email: z.string(), primary: z.boolean(), verified: z.boolean() }).loose());

/** The GitHub user's primary email if GitHub verified it, else null (also when the API call fails). */
export async function primaryVerifiedEmail(accessToken: string | undefined, fetchImpl: FetchLike = fetch): Promise<string | null> {
  if (!accessToken) return null;
  try {
    const res = await fetchImpl("https://api.github.com/user/emails", {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "lumen-academy" },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) return null;
    const parsed = emailsSchema.safeParse(await res.json());
    const primary = parsed.success ? parsed.data.find((e) => e.primary && e.verified) : undefined;
    return primary ? primary.email.trim().toLowerCase() : null;
  } catch {
    return null;
  }
}

export interface GitHubLogin {
  providerAccountId: string;
  accessToken: string | undefined;
  login?: string | null;
  name?: string | null;
}

export interface LinkRequest {
  /** The intent cookie's value. */
  token: string | undefined;
  /** The session the callback request carries (the signed-in user, if any). */
  session: SessionClaims | null;
}

export interface GitHubDeps {
  /** GitHub's API (tests stub it). */
  fetch?: FetchLike;
}

const isUniqueViolation = (e: unknown) => (e as { code?: string }).code === "P2002";

function linkOf(providerAccountId: string) {
  return db.oAuthAccount.findUnique({
    where: { provider_providerAccountId: { provider: PROVIDER, providerAccountId } },
    select: { userId: true, user: { select: { disabled: true } } },
  });
}

/** next-auth `signIn` for a GitHub login: true, or where to redirect (with the reason). */
export async function gitHubSignIn(login: GitHubLogin, link: LinkRequest | null, deps: GitHubDeps = {}): Promise<true | string> {
  if (link) return linkGitHub(login, link, deps);
  const email = await primaryVerifiedEmail(login.accessToken, deps.fetch);
  if (!email) return "/signin?error=GitHubEmail";
  const linked = await linkOf(login.providerAccountId);
  if (linked) return linked.user.disabled ? "/signin?error=AccountDisabled" : true;
  if (await db.user.findUnique({ where: { email }, select: { id: true } })) return "/signin?error=GitHubAccountExists";
  try {
    await db.$transaction(async (tx) => {
      const user = await tx.user.create({
        data: { email, name: (login.name || login.login || email.split("@")[0]).slice(0, 100), role: "STUDENT" },
        select: { id: true, email: true },
      });
      await tx.oAuthAccount.create({ data: { provider: PROVIDER, providerAccountId: login.providerAccountId, userId: user.id, login: login.login ?? null } });
      await claimInvitations(tx, user);
    });
  } catch (e) {
    // A concurrent sign-up took the email, or a concurrent login created the same link.
    if (!isUniqueViolation(e)) throw e;
    return (await linkOf(login.providerAccountId)) ? true : "/signin?error=GitHubAccountExists";
  }
  return true;
}

/** The linking branch: only to the signed-in user who started it, from that session, in time. */
async function linkGitHub(login: GitHubLogin, link: LinkRequest, deps: GitHubDeps): Promise<string> {
  const done = (outcome: GitHubLinkOutcome) => `/account?github=${outcome}`;
  const intent = readLinkIntent(link.token);
  const user = await userForSession(link.session);
  if (!intent || !user || intent.uid !== user.id || intent.sid !== user.sessionId) return done("link-expired");
  if (!(await primaryVerifiedEmail(login.accessToken, deps.fetch))) return done("github-email");
  const existing = await linkOf(login.providerAccountId);
  if (existing) return done(existing.userId === user.id ? "linked" : "github-taken");
  try {
    await db.oAuthAccount.create({ data: { provider: PROVIDER, providerAccountId: login.providerAccountId, userId: user.id, login: login.login ?? null } });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const now = await linkOf(login.providerAccountId);
    return done(now?.userId === user.id ? "linked" : now ? "github-taken" : "already-linked");
  }
  return done("linked");
}

/** The local user a GitHub login signs in (for the session's claims), after gitHubSignIn said yes. */
export async function gitHubUser(providerAccountId: string) {
  const link = await db.oAuthAccount.findUnique({
    where: { provider_providerAccountId: { provider: PROVIDER, providerAccountId } },
    select: { user: { select: { id: true, email: true, name: true, role: true, sessionVersion: true, disabled: true } } },
  });
  if (!link || link.user.disabled) throw new Error("GitHubSignIn");
  return link.user;
}
