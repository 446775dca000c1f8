import { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, readJson, route } from "@/lib/http/handler";
import { saveLessonPosition, setLessonCompleted } from "@/lib/progress";

const params = z.object({ lessonId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Invalid lesson id.") });
const body = z
  .object({
    positionSeconds: z.number().finite().min(0).max(86_400).optional(),
    completed: z.boolean().optional(),
  })
  .refine((b) => b.positionSeconds !== undefined || b.completed !== undefined, "Send positionSeconds or completed.");

/** POST { positionSeconds?, completed? }: saves playback position / completion for the signed-in student. */
export const POST = route<{ lessonId: string }>(async (request, ctx) => {
  const { lessonId } = parseInput(params, await ctx.params);
  const input = parseInput(body, await readJson(request));
  const user = await getCurrentUser();
  if (input.positionSeconds !== undefined) await saveLessonPosition(user, lessonId, input.positionSeconds);
  if (input.completed !== undefined) await setLessonCompleted(user, lessonId, input.completed);
  return NextResponse.json({ ok: true });
});
