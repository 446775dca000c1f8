import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { authOptions, WRONG_CREDENTIALS } from "@/lib/auth/options";
import { createUser } from "../support/factories";

type Authorize = (creds: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string; role: string } | null>;
const authorize = (authOptions.providers[0] as unknown as { options: { authorize: Authorize } }).options.authorize;
const from = (ip: string) => ({ headers: { "x-forwarded-for": `${ip}, 10.0.0.1` } });

const PASSWORD = "right-password-42";
const student = { email: "student@example.com" };
const locked = { email: "newcomer@example.com" };

beforeAll(async () => {
  await createUser(db, { ...student, password: PASSWORD });
  await createUser(db, { ...locked, password: PASSWORD });
});

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

  it("locks an email + IP pair after 5 failures, even for the right password, but not other IPs", async () => {
    for (let i = 0; i < 5; i++) {
      await expect(authorize({ email: locked.email, password: `wrong-${i}-password` }, from("198.51.100.7"))).rejects.toThrow(WRONG_CREDENTIALS);
    }
    await expect(authorize({ email: locked.email, password: PASSWORD }, from("198.51.100.7"))).rejects.toThrow(/Too many failed attempts/);
    const other = await authorize({ email: locked.email, password: PASSWORD }, from("198.51.100.8"));
    expect(other).toMatchObject({ role: "STUDENT" });
  });
});
