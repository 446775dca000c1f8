import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { createAccessCode, listAccessCodes, redeemAccessCode } from "@/lib/enrollments";
import { ConflictError, ForbiddenError, RateLimitedError, ValidationError } from "@/lib/errors";
import { createAccessCode as insertCode, createCourse, createUser, type CourseRef, type UserRef } from "../support/factories";

const INVALID = "This code is not valid. Check it, or ask the instructor for a new one.";
const GENERATED = /^([A-Z0-9]{1,12}-)?[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

let instructor: UserRef;
let course: CourseRef;
beforeAll(async () => {
  instructor = await createUser(db, { role: "INSTRUCTOR" });
  course = await createCourse(db, { instructor });
});

/** Redeems as `user` from `ip`; resolves to "enrolled" or the error. */
async function redeem(user: UserRef, code: string, ip = "198.51.100.1"): Promise<"enrolled" | Error> {
  return redeemAccessCode(user, code, { clientIp: ip }).then(
    () => "enrolled" as const,
    (e: Error) => e,
  );
}

describe("access code creation", () => {
  it("generates the code on the server: 80 random bits, grouped, after an optional readable prefix", async () => {
    const plain = await createAccessCode(instructor, course.id, { maxUses: "5" });
    const prefixed = await createAccessCode(instructor, course.id, { prefix: " spring26 ", maxUses: "5" });
    expect(plain.code).toMatch(GENERATED);
    expect(plain.code).toHaveLength(19);
    expect(prefixed.code).toMatch(/^SPRING26-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect((await listAccessCodes(instructor, course.id)).map((c) => c.code)).toEqual(expect.arrayContaining([plain.code, prefixed.code]));
    await expect(createAccessCode(instructor, course.id, { prefix: "SPRING 2026!", maxUses: "5" })).rejects.toBeInstanceOf(ValidationError);
    await expect(createAccessCode(instructor, course.id, { prefix: "A".repeat(13), maxUses: "5" })).rejects.toBeInstanceOf(ValidationError);
  });

  it("an instructor learns nothing about another course's codes (a chosen code is refused, never 'in use')", async () => {
    const mine = await insertCode(db, course, { code: "MINE-7K3M-8P2Q-4RST-VWXY", maxUses: 3 });
    const rival = await createUser(db, { role: "INSTRUCTOR" });
    const rivalCourse = await createCourse(db, { instructor: rival });
    for (const guess of [mine.code, "NOT-USED-BY-ANYONE"]) {
      const error = await createAccessCode(rival, rivalCourse.id, { code: guess, maxUses: "3" } as never).catch((e: Error) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).not.toBeInstanceOf(ConflictError);
      expect((error as Error).message).not.toMatch(/in use|taken|exists/i);
    }
    await expect(listAccessCodes(rival, course.id)).rejects.toBeInstanceOf(ForbiddenError);
  });
});

describe("access code redemption", () => {
  it("answers one generic message for unknown, expired, used-up and unpublished codes", async () => {
    const draft = await createCourse(db, { instructor, published: false });
    const codes = {
      unknown: "NOPE-AAAA-BBBB-CCCC-DDDD",
      expired: (await insertCode(db, course, { code: "GONE-7K3M-8P2Q-4RST-VWXY", maxUses: 5, expiresAt: new Date(Date.now() - 1000) })).code,
      usedUp: (await insertCode(db, course, { code: "ONCE-7K3M-8P2Q-4RST-VWXY", maxUses: 1 })).code,
      unpublished: (await insertCode(db, draft, { code: "DRAFT-7K3M-8P2Q-4RST-VWXY", maxUses: 5 })).code,
    };
    expect(await redeem(await createUser(db), codes.usedUp)).toBe("enrolled");
    const student = await createUser(db);
    const errors = await Promise.all(Object.values(codes).map((c) => redeem(student, c)));
    expect(errors.map((e) => (e as Error).message)).toEqual(Array(4).fill(INVALID));
    expect(errors.every((e) => e instanceof ValidationError)).toBe(true);
  });

  it("normalises what the student types (case, spaces, dashes, Crockford look-alikes)", async () => {
    const { code } = await createAccessCode(instructor, course.id, { prefix: "CLOUD", maxUses: "10" });
    const body = code.slice("CLOUD-".length);
    const typed = [` cloud ${body.toLowerCase().replace(/-/g, " ")} `, `CLOUD${body.replace(/-/g, "")}`, `Cloud–${body.replace(/0/g, "o").replace(/1/g, "l")}`];
    for (const t of typed) expect(await redeem(await createUser(db), t)).toBe("enrolled");
  });

  it("cuts brute force off per user and per client address (429 with when to retry); successes do not count", async () => {
    const { code } = await createAccessCode(instructor, course.id, { maxUses: "100" });
    const guesser = await createUser(db);
    const outcomes: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await redeem(guesser, `GUESS-AAAA-BBBB-CCCC-${String(i).padStart(4, "0")}`, `203.0.113.${i + 1}`);
      outcomes.push(r instanceof RateLimitedError ? "429" : (r as Error).message);
    }
    expect(outcomes).toEqual([...Array(10).fill(INVALID), "429", "429"]);
    const limited = await redeem(guesser, code, "203.0.113.99"); // even the right code, until the wait is over
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect((limited as RateLimitedError).message).toMatch(/^Too many access code attempts\. Try again in \d+ minutes?\.$/);
    expect((limited as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);

    // Many accounts from one address: cut off after 30 failures, whoever asks.
    const ip = "203.0.113.200";
    let failures = 0;
    for (let i = 0; i < 4; i++) {
      const u = await createUser(db);
      for (let j = 0; j < 9; j++) {
        const r = await redeem(u, `SPRAY-AAAA-BBBB-${String(i).padStart(4, "0")}-${String(j).padStart(4, "0")}`, ip);
        if (r instanceof RateLimitedError) break;
        failures++;
      }
    }
    expect(failures).toBe(30);
    expect(await redeem(await createUser(db), code, ip)).toBeInstanceOf(RateLimitedError);

    // Successful redemptions are refunded: one student redeems 15 codes in a row.
    const collector = await createUser(db);
    for (let i = 0; i < 15; i++) {
      const c = await createCourse(db, { instructor });
      const { code: each } = await createAccessCode(instructor, c.id, { maxUses: "1" });
      expect(await redeem(collector, each, "203.0.113.250")).toBe("enrolled");
    }
  });
});
