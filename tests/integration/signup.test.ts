import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { registerUser } from "@/lib/auth/users";
import { ConflictError, RateLimitedError } from "@/lib/errors";
import { CLIENT_IP_HEADER } from "@/lib/ops/client-ip";
import { POST } from "@/app/api/signup/route";
import { createUser } from "../support/factories";

const PASSWORD = "a-strong-pass-1";
const from = (ip: string) => ({ clientIp: ip });

function signUpRequest(ip: string, email: string, spoofed = "") {
  return new Request("http://localhost:3000/api/signup", {
    method: "POST",
    headers: { "content-type": "application/json", [CLIENT_IP_HEADER]: ip, ...(spoofed ? { "x-forwarded-for": spoofed } : {}) },
    body: JSON.stringify({ name: "New Learner", email, password: PASSWORD }),
  });
}
const ctx = { params: Promise.resolve({}) };

describe("sign-up", () => {
  it("does not say that an email has an account", async () => {
    const existing = await createUser(db, { password: "existing-pass-42" });
    const error = await registerUser({ name: "Someone", email: existing.email, password: PASSWORD }, from("192.0.2.50")).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).not.toMatch(/exist|already|taken|in use/i);
    expect((error as Error).message).toMatch(/sign in/i); // still tells a returning user what to do
    expect(await db.user.count({ where: { email: existing.email } })).toBe(1);
  });

  it("is rate-limited per client address (429 with Retry-After), whatever X-Forwarded-For says", async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 12; i++) {
      last = await POST(signUpRequest("203.0.113.77", `burst-${i}@example.com`, `10.1.${i}.1`), ctx);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(10).fill(201), 429, 429]);
    expect(Number(last!.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(((await last!.json()) as { error: { message: string } }).error.message).toMatch(/^Too many sign-ups\. Try again in \d+ minutes?\.$/);
    expect(await db.user.count({ where: { email: { startsWith: "burst-" } } })).toBe(10);
    // Another client signs up.
    expect((await POST(signUpRequest("203.0.113.78", "other-client@example.com"), ctx)).status).toBe(201);
    // Probing existing emails spends the same budget.
    await expect(registerUser({ name: "P", email: "burst-0@example.com", password: PASSWORD }, from("203.0.113.77"))).rejects.toBeInstanceOf(RateLimitedError);
  });
});
