import "server-only";
import crypto from "node:crypto";
import type { NextAuthOptions } from "next-auth";
import { decode } from "next-auth/jwt";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import { appConfig } from "@/lib/config";
import { authorizeCredentials, type SignedInUser } from "./credentials";
import { gitHubSignIn, gitHubUser, PROVIDER as GITHUB, type GitHubDeps, type LinkRequest } from "./github";
import { LINK_INTENT_COOKIE } from "./link-intent";

export { WRONG_CREDENTIALS, ACCOUNT_DISABLED } from "./credentials";

/** next-auth's session lifetime (a JWT cookie, renewed while used). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

const { auth, server } = appConfig();

const providers: NextAuthOptions["providers"] = [
  CredentialsProvider({
    name: "Email and password",
    credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
    authorize: (credentials, req) => authorizeCredentials(credentials, req?.headers),
  }),
];
if (auth.github) providers.push(GitHubProvider(auth.github));

export const githubEnabled = auth.github !== null;

/** The claims of a new session for `user`: its id, role, session version and a random session id. */
export function sessionClaims(user: SignedInUser) {
  return {
    sub: user.id,
    uid: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    sv: user.sessionVersion,
    sid: crypto.randomBytes(16).toString("base64url"),
  };
}

/**
 * next-auth's options. `link` is set when the request carries a "Link GitHub" intent (see
 * authOptionsFor); `deps` lets tests stub GitHub's API.
 */
export function buildAuthOptions(deps: GitHubDeps = {}, link: LinkRequest | null = null): NextAuthOptions {
  return {
    secret: auth.secret,
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
    pages: { signIn: "/signin", error: "/signin" },
    providers,
    callbacks: {
      async signIn({ user, account, profile }) {
        if (account?.provider !== GITHUB) return true;
        const login = (profile as { login?: string } | undefined)?.login ?? null;
        return gitHubSignIn({ providerAccountId: account.providerAccountId, accessToken: account.access_token, login, name: user.name }, link, deps);
      },
      async jwt({ token, user, account }) {
        if (!user) return token;
        if (account?.provider === GITHUB) return sessionClaims(await gitHubUser(account.providerAccountId));
        return sessionClaims(user as unknown as SignedInUser);
      },
      async session({ session, token }) {
        if (session.user && token.uid && token.role) {
          session.user.id = token.uid;
          session.user.role = token.role;
          session.user.sv = token.sv;
          session.user.sid = token.sid;
        }
        return session;
      },
    },
  };
}

export const authOptions: NextAuthOptions = buildAuthOptions();

/** next-auth's session cookie (prefixed `__Secure-` on https). */
const SESSION_COOKIE = `${server.publicUrl.startsWith("https://") ? "__Secure-" : ""}next-auth.session-token`;

function cookiesOf(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0) out.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return out;
}

/**
 * The options for one request to next-auth's route: with a "Link GitHub" intent cookie, the
 * GitHub callback links instead of signing in, checked against the session this request
 * carries (lib/auth/github.ts).
 */
export async function authOptionsFor(request: Request, deps: GitHubDeps = {}): Promise<NextAuthOptions> {
  const cookies = cookiesOf(request.headers.get("cookie"));
  const token = cookies.get(LINK_INTENT_COOKIE);
  if (!token) return Object.keys(deps).length ? buildAuthOptions(deps) : authOptions;
  const raw = cookies.get(SESSION_COOKIE);
  const session = raw ? await decode({ token: raw, secret: auth.secret }).catch(() => null) : null;
  return buildAuthOptions(deps, { token, session });
}
