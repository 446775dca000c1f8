import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { authOptions, WRONG_CREDENTIALS } from "@/lib/auth/options";
import { CLIENT_IP_HEADER, clientAddress } from "@/lib/ops/client-ip";
import { createUser } from "../support/factories";

type Authorize = (creds: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string; role: string } | null>;
const authorize = (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize;

/**
 * The headers of a request as they reach Next behind one trusted proxy (TRUST_PROXY_HOPS=1), as
 * server/main.ts passes them on: the proxy appended the address it saw (`ip`) to whatever
 * X-Forwarded-For the client sent (`spoofed`), and the app server put the client address it
 * computed in CLIENT_IP_HEADER.
 */
function from(ip: string, spoofed?: string) {
  const forwarded = spoofed ? `${spoofed}, ${ip}` : ip;
  return { headers: { "x-forwarded-for": forwarded, [CLIENT_IP_HEADER]: clientAddress("10.0.0.1", forwarded, 1) } };
}

const PASSWORD = "right-password-42";
const student = { email: "student@example.com" };
const locked = { email: "newcomer@example.com" };
const victim = { email: "victim@example.com" };

beforeAll(async () => {
  await createUser(db, { ...student, password: PASSWORD });
  await createUser(db, { ...locked, password: PASSWORD });
  await createUser(db, { ...victim, password: PASSWORD });
});

/** Runs `n` sign-in attempts one after the other; returns each outcome's message. */
async function attempts(n: number, attempt: (i: number) => Promise<unknown>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await attempt(i).then(() => "signed in", (e: Error) => e.message));
  return out;
}

describe("credentials sign-in", () => {
  it("signs in with the right password and returns id and role", async () => {
    const user = await authorize({ email: "Student@Example.com", password: PASSWORD }, from("192.0.2.1"));
    expect(user).toMatchObject({ role: "STUDENT" });
  });

  it("says the same thing for a wrong password and an unknown email", async () => {
    await expect(authorize({ email: student.email, password: "nope-nope-1" }, from("192.0.2.2"))).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(authorize({ email: "nobody@example.com", password: "nope-nope-1" }, from("192.0.2.2"))).rejects.toThrow(WRONG_CREDENTIALS);
    await expect(authorize({ email: "not-an-email", password: "x" }, from("192.0.2.2"))).rejects.toThrow(WRONG_CREDENTIALS);
  });

  it("locks an email + client pair after 5 failures, even for the right password, but not other clients", async () => {
    for (let i = 0; i < 5; i++) {
      await expect(authorize({ email: locked.email, password: `wrong-${i}-password` }, from("198.51.100.7"))).rejects.toThrow(WRONG_CREDENTIALS);
    }
    await expect(authorize({ email: locked.email, password: PASSWORD }, from("198.51.100.7"))).rejects.toThrow(/Too many failed attempts/);
    const other = await authorize({ email: locked.email, password: PASSWORD }, from("198.51.100.8"));
    expect(other).toMatchObject({ role: "STUDENT" });
  });
});

describe("sign-in throttling keys on the client address the app server computed, never on X-Forwarded-For", () => {
  it("a new X-Forwarded-For value per attempt does not reset the (email, client) lock", async () => {
    const results = await attempts(20, (i) => authorize({ email: student.email, password: `guess-${i}-password` }, from("203.0.113.5", `10.9.${i}.1`)));
    expect(results.slice(0, 5)).toEqual(Array(5).fill(WRONG_CREDENTIALS));
    expect(results.slice(5).every((m) => /Too many failed attempts/.test(m))).toBe(true);
  });

  it("50 attempts with a new X-Forwarded-For each from one client are cut off after 30, unknown emails included", async () => {
    const results = await attempts(50, (i) =>
      authorize({ email: `spray-${i}@example.com`, password: "summer-2026-pass" }, from("203.0.113.9", `10.8.${i}.1`)),
    );
    expect(results.slice(0, 30)).toEqual(Array(30).fill(WRONG_CREDENTIALS));
    expect(results.slice(30).every((m) => /^Too many sign-in attempts\. Try again in \d+ minutes?\.$/.test(m))).toBe(true);
    // Another client is not affected.
    expect(await authorize({ email: student.email, password: PASSWORD }, from("203.0.113.10"))).toMatchObject({ role: "STUDENT" });
  });

  it("a spoofed X-Forwarded-For cannot lock a victim out of their (email, real address) pair", async () => {
    const victimAddress = "198.51.100.20";
    const results = await attempts(8, (i) => authorize({ email: victim.email, password: `wrong-${i}-password` }, from("203.0.113.66", victimAddress)));
    expect(results.at(-1)).toMatch(/Too many failed attempts/); // the attacker locked only themselves
    expect(await authorize({ email: victim.email, password: PASSWORD }, from(victimAddress))).toMatchObject({ role: "STUDENT" });
  });
});
