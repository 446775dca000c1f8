import "server-only";
import { z } from "zod";
import { db } from "@/lib/db";
import { appConfig } from "@/lib/config";
import { enrollmentState, requireCourseManager, type Viewer } from "@/lib/access";
import { ConflictError, ForbiddenError, UnauthenticatedError, ValidationError } from "@/lib/errors";
import { consume, limiter, refund } from "@/lib/rate-limit";
import { optionalDate, parseInput } from "@/lib/validation";
import { ACCESS_CODE_PREFIX_MAX, accessCodeLookupKey, generateAccessCode } from "./codes";

export const REVOKED_MESSAGE = "Your enrolment in this course was revoked. Contact the instructor.";

/**
 * The one answer to a code that does not enrol anyone: unknown, expired, used up or for an
 * unpublished course alike, so redemption reveals nothing about which codes exist.
 */
export const INVALID_CODE = "This code is not valid. Check it, or ask the instructor for a new one.";

class InvalidCodeError extends ValidationError {
  constructor() {
    super(INVALID_CODE);
  }
}

/**
 * Failed redemptions per user and per client address (REDEEM_MAX_FAILURES_PER_USER / _PER_CLIENT
 * per REDEEM_WINDOW_MINUTES). Every attempt spends a point of both before the code is looked
 * up (so parallel guesses count too); an attempt whose code was valid gets them back.
 */
async function spendAttempt(userId: string, clientIp: string) {
  const { perUser, perClient } = appConfig().redeem;
  const spent = [
    { l: limiter("redeem-user", perUser), key: userId },
    { l: limiter("redeem-client", perClient), key: clientIp },
  ];
  for (const { l, key } of spent) await consume(l, key, "access code attempts");
  return () => Promise.all(spent.map(({ l, key }) => refund(l, key)));
}

/**
 * Redeems an access code: one use per redemption, never more than maxUses, atomically (two
 * students racing for the last use cannot both get it). What the student types is normalised
 * (case, spaces, dashes); unknown, expired, used-up and unpublished codes all get INVALID_CODE;
 * attempts are rate-limited per user and per client address (RateLimitedError, 429).
 */
export async function redeemAccessCode(viewer: Viewer | null, rawCode: string, { clientIp }: { clientIp: string }) {
  if (!viewer) throw new UnauthenticatedError("Sign in to redeem a code.");
  const key = accessCodeLookupKey(String(rawCode ?? ""));
  if (!key) throw new ValidationError("Enter the access code you were given.", { code: ["Enter the access code you were given."] });
  const refundAttempt = await spendAttempt(viewer.id, clientIp);
  try {
    const course = await claimUse(viewer, key);
    await refundAttempt();
    return course;
  } catch (e) {
    if (!(e instanceof InvalidCodeError)) await refundAttempt();
    throw e;
  }
}

async function claimUse(viewer: Viewer, key: string) {
  if (!/^[0-9A-Z]{4,64}$/.test(key)) throw new InvalidCodeError();
  const now = new Date();
  return db.$transaction(async (tx) => {
    const ac = await tx.accessCode.findUnique({
      where: { lookupKey: key },
      include: { course: { select: { id: true, slug: true, title: true, published: true } } },
    });
    if (!ac || !ac.course.published || (ac.expiresAt && ac.expiresAt <= now) || ac.uses >= ac.maxUses) throw new InvalidCodeError();
    const existing = await tx.enrollment.findUnique({ where: { userId_courseId: { userId: viewer.id, courseId: ac.courseId } } });
    const state = enrollmentState(existing, now);
    if (state === "active") throw new ConflictError(`You are already enrolled in “${ac.course.title}”.`);
    if (state === "revoked") throw new ForbiddenError(REVOKED_MESSAGE);
    const claimed = await tx.accessCode.updateMany({ where: { id: ac.id, uses: { lt: ac.maxUses } }, data: { uses: { increment: 1 } } });
    if (claimed.count === 0) throw new InvalidCodeError(); // another student took the last use meanwhile
    const data = { status: "ACTIVE" as const, source: "CODE" as const, accessCodeId: ac.id, expiresAt: null, revokedAt: null };
    if (existing) await tx.enrollment.update({ where: { id: existing.id }, data });
    else await tx.enrollment.create({ data: { ...data, userId: viewer.id, courseId: ac.courseId } });
    return ac.course;
  });
}

export async function listAccessCodes(viewer: Viewer | null, courseId: string) {
  await requireCourseManager(viewer, courseId);
  return db.accessCode.findMany({
    where: { courseId },
    orderBy: { createdAt: "desc" },
    select: { id: true, code: true, maxUses: true, uses: true, expiresAt: true, createdAt: true },
  });
}

/** What an instructor chooses about a new code; the code itself is generated (a chosen code is refused). */
export const newAccessCodeSchema = z.strictObject({
  prefix: z
    .string()
    .trim()
    .toUpperCase()
    .max(ACCESS_CODE_PREFIX_MAX, `Use at most ${ACCESS_CODE_PREFIX_MAX} letters or digits.`)
    .regex(/^[A-Z0-9]*$/, "Use only letters and digits (no spaces or dashes).")
    .optional()
    .default(""),
  maxUses: z.coerce.number().int("Whole number.").min(1, "At least 1 use.").max(100_000, "At most 100000 uses."),
  expiresAt: optionalDate,
});

/** Creates a code for the course: `PREFIX-XXXX-XXXX-XXXX-XXXX`, 80 random bits (lib/enrollments/codes.ts). */
export async function createAccessCode(viewer: Viewer | null, courseId: string, input: z.input<typeof newAccessCodeSchema>) {
  await requireCourseManager(viewer, courseId);
  const { prefix, maxUses, expiresAt } = parseInput(newAccessCodeSchema, input);
  for (let attempt = 0; ; attempt++) {
    const code = generateAccessCode(prefix);
    try {
      return await db.accessCode.create({
        data: { code, lookupKey: accessCodeLookupKey(code), maxUses, expiresAt, courseId, createdById: viewer!.id },
        select: { id: true, code: true, maxUses: true, expiresAt: true },
      });
    } catch (e) {
      // 80 random bits do not collide in practice; retry rather than ever answer "in use".
      if ((e as { code?: string }).code !== "P2002" || attempt >= 2) throw e;
    }
  }
}
