import { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { clientOf, parseInput, route } from "@/lib/http/handler";
import { requestContext } from "@/lib/http/request-context";
import { consume, limiter, LIMITS } from "@/lib/rate-limit";
import { streamingCookies } from "@/lib/media/delivery";

const params = z.object({ lessonId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Invalid lesson id.") });

/**
 * POST: (re)issues the CloudFront signed cookies for one lesson's HLS folder. The player
 * calls it before loading the playlist and again before the cookies expire; a revoked or
 * expired enrolment gets 403 and no cookie. Both are recorded in the access log.
 */
export const POST = route<{ lessonId: string }>(async (request, ctx) => {
  const { lessonId } = parseInput(params, await ctx.params);
  const user = await getCurrentUser();
  await consume(limiter("media-session", LIMITS.mediaSession), user?.id ?? clientOf(request), "media requests");
  const { cookies, expiresAt } = await streamingCookies(user, lessonId, await requestContext());
  const ttl = expiresAt - Math.floor(Date.now() / 1000);
  const res = NextResponse.json(
    { expiresAt, refreshInSeconds: Math.max(5, Math.floor(ttl * 0.75)) },
    { headers: { "Cache-Control": "no-store" } },
  );
  for (const c of cookies) res.cookies.set(c);
  return res;
});
