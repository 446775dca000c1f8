import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import crypto from "node:crypto";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { authorizeCredentials, type SignedInUser } from "./credentials";

export { WRONG_CREDENTIALS, ACCOUNT_DISABLED } from "./credentials";

/** next-auth's session lifetime (a JWT cookie, renewed while used). */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

const providers: NextAuthOptions["providers"] = [
  CredentialsProvider({
    name: "Email and password",
    credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
    authorize: (credentials, req) => authorizeCredentials(credentials, req?.headers),
  }),
];

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

const { auth } = appConfig();
if (auth.github) providers.push(GitHubProvider(auth.github));

export const githubEnabled = auth.github !== null;

export const authOptions: NextAuthOptions = {
  secret: auth.secret,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/signin", error: "/signin" },
  providers,
  callbacks: {
    async signIn({ user, account }) {
      if (account?.provider !== "github") return true;
      const email = user.email?.toLowerCase();
      if (!email) return "/signin?error=GitHubEmail";
      // A GitHub sign-in maps onto the account with the same (verified) email, or creates a student.
      await db.user.upsert({
        where: { email },
        create: { email, name: user.name ?? email.split("@")[0], role: "STUDENT" },
        update: {},
      });
      return true;
    },
    async jwt({ token, user, account }) {
      if (!user) return token;
      if (account?.provider === "github") {
        const row = await db.user.findUnique({ where: { email: user.email!.toLowerCase() } });
        return row ? sessionClaims(row) : token;
      }
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
