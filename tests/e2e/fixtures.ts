/**
 * Playwright fixtures for the e2e suite:
 *
 * - `factories` (one per worker): the data factories of tests/support/factories.ts, run against
 *   the e2e server's database. Same names and arguments as there, without the client:
 *   `await factories.createUser({ role: "INSTRUCTOR" })`.
 * - `signInAs(who, target?)`: signs a user in without the sign-in form, by minting the session
 *   cookie the app would set (next-auth's JWT `encode` with the e2e server's secret, the claims
 *   lib/auth/options.ts `sessionClaims` puts in its `jwt` callback: the account's current
 *   session version and a fresh random session id) and adding it to the browser context of
 *   `target` (a page or a context; default: the test's own `page`). `who` is an email or a
 *   user returned by a factory. Returns the user.
 *
 * Use `signInAs` everywhere except in the tests whose subject is signing in, up or out: those go
 * through the forms (helpers.ts `signIn`, `signUp`, `signOut`).
 */
import { fork, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import path from "node:path";
import { test as base, expect, type BrowserContext, type Page } from "@playwright/test";
import { encode } from "next-auth/jwt";
import { e2e } from "../../playwright.config";
import type { Factories, UserRef } from "../support/factories";

/** The factories as seen from a test: same signatures, without the leading Prisma client. */
export type RemoteFactories = {
  [K in keyof Factories]: Factories[K] extends (db: never, ...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : never;
};

/** next-auth's session lifetime (lib/auth/options.ts `session.maxAge`). */
const SESSION_MAX_AGE = 30 * 24 * 60 * 60;

/** next-auth 4 prefixes its cookies with `__Secure-` when NEXTAUTH_URL is https. */
export const SESSION_COOKIE = `${e2e.appUrl.startsWith("https://") ? "__Secure-" : ""}next-auth.session-token`;

/** The session token next-auth would issue to `user` after a credentials sign-in. */
export function mintSessionToken(user: UserRef, secret: string = e2e.nextAuthSecret): Promise<string> {
  return encode({
    // lib/auth/options.ts `sessionClaims`: next-auth's (sub, email, name) plus uid, role, the
    // session version the server compares with the account's, and a random session id.
    token: {
      sub: user.id,
      uid: user.id,
      role: user.role,
      email: user.email,
      name: user.name,
      sv: user.sessionVersion,
      sid: crypto.randomBytes(16).toString("base64url"),
    },
    secret,
    maxAge: SESSION_MAX_AGE,
  });
}

/** Adds a session cookie for the app to `context`. */
export async function addSessionCookie(context: BrowserContext, token: string) {
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: e2e.appUrl, httpOnly: true, sameSite: "Lax" }]);
}

function startFactoryProcess(): Promise<{ call: (fn: string, args: unknown[]) => Promise<unknown>; stop: () => Promise<void> }> {
  // Not Playwright's loader options: the child compiles with tsx, as the app's Node processes do.
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: e2e.databaseUrl };
  delete env.NODE_OPTIONS;
  const child: ChildProcess = fork(path.resolve("tests/support/factory-process.ts"), [], {
    execArgv: ["--import", "tsx", "--conditions=react-server"],
    env,
    serialization: "advanced", // Dates and BigInts survive the trip
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const err = new Error(`factory process exited (${code})`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    child.on("message", (msg: { ready?: boolean; id?: number; ok?: boolean; value?: unknown; error?: string }) => {
      if (msg.ready) {
        resolve({
          call(fn, args) {
            const id = ++next;
            return new Promise((res, rej) => {
              pending.set(id, { resolve: res, reject: rej });
              child.send({ id, fn, args });
            });
          },
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once("exit", () => done());
              child.disconnect();
            }),
        });
        return;
      }
      const p = pending.get(msg.id!);
      if (!p) return;
      pending.delete(msg.id!);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error));
    });
  });
}

function isPage(t: Page | BrowserContext): t is Page {
  return typeof (t as Page).goto === "function";
}

// Playwright calls the second fixture argument `use`; it is named `provide` here because the React
// hooks lint rule takes any `use(...)` call for a hook.
export const test = base.extend<
  { signInAs: (who: string | UserRef, target?: Page | BrowserContext) => Promise<UserRef> },
  { factories: RemoteFactories }
>({
  factories: [
    async ({}, provide) => {
      const proc = await startFactoryProcess();
      const remote = new Proxy({} as RemoteFactories, {
        get: (_t, fn: string) => (...args: unknown[]) => proc.call(fn, args),
      });
      await provide(remote);
      await proc.stop();
    },
    { scope: "worker", timeout: 60_000 },
  ],

  // Every page a test drives is watched for Content-Security-Policy violations: the app's own
  // scripts, styles, media and uploads must all fit the policy proxy.ts sets.
  page: async ({ page }, provide) => {
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) violations.push(m.text());
    });
    await provide(page);
    expect(violations, "Content-Security-Policy violations on this test's page").toEqual([]);
  },

  signInAs: async ({ page, factories }, provide) => {
    await provide(async (who, target = page) => {
      // Read the user from the database: the claims must be the account's current id and role.
      const user = await factories.findUser(typeof who === "string" ? who : who.email);
      const context = isPage(target) ? target.context() : target;
      await addSessionCookie(context, await mintSessionToken(user));
      return user;
    });
  },
});

export { expect } from "@playwright/test";
