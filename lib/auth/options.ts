import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import { z } from "zod";
import { db } from "@/lib/db";
import type { Role } from "@/lib/access/policy";
import { appConfig } from "@/lib/config";
import { requestClientIp } from "@/lib/ops/client-ip";
import { dummyPasswordHash, verifyPassword } from "./password";
import { clearFailures, countAttempt, lockedFor, recordFailure, throttleKey } from "./throttle";

const credentialsSchema = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email()),
  password: z.string().min(1).max(200),
});

export const WRONG_CREDENTIALS = "Wrong email or password.";

const providers: NextAuthOptions["providers"] = [
  CredentialsProvider({
    name: "Email and password",
    credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
    async authorize(credentials, req) {
      // The client as the app server computed it (socket + TRUST_PROXY_HOPS), never X-Forwarded-For.
      const ip = requestClientIp(req?.headers);
      // Before any hashing: every attempt counts, whatever the email (known or not) or outcome.
      await countAttempt(ip);
      const parsed = credentialsSchema.safeParse(credentials);
      if (!parsed.success) throw new Error(WRONG_CREDENTIALS);
      const { email, password } = parsed.data;
      const key = throttleKey(email, ip);
      const wait = await lockedFor(key);
      if (wait > 0) {
        throw new Error(`Too many failed attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
      }
      const user = await db.user.findUnique({ where: { email } });
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
      if (!user || !user.passwordHash || !ok) {
        await recordFailure(key);
        throw new Error(WRONG_CREDENTIALS);
      }
      await clearFailures(key);
      return { id: user.id, email: user.email, name: user.name, role: user.role };
    },
  }),
];

const { auth } = appConfig();
if (auth.github) providers.push(GitHubProvider(auth.github));

export const githubEnabled = auth.github !== null;

export const authOptions: NextAuthOptions = {
  secret: auth.secret,
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
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
      if (user) {
        if (account?.provider === "github") {
          const row = await db.user.findUnique({ where: { email: user.email!.toLowerCase() } });
          if (row) {
            token.uid = row.id;
            token.role = row.role;
          }
        } else {
          token.uid = user.id;
          token.role = (user as { role?: Role }).role ?? "STUDENT";
        }
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user) {
        session.user.id = token.uid as string;
        session.user.role = token.role as Role;
      }
      return session;
    },
  },
};
