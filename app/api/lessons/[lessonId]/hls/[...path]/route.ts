import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, route } from "@/lib/http/handler";
import { requestContext } from "@/lib/http/request-context";
import { signedPlaylist } from "@/lib/media/delivery";

const params = z.object({
  lessonId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Invalid lesson id."),
  path: z.array(z.string().min(1)).min(1).max(8),
});

/** GET: a playlist of the lesson's video with every URI signed (cookie-less and S3-presigned modes); issue and refusal recorded in the access log. */
export const GET = route<{ lessonId: string; path: string[] }>(async (_request, ctx) => {
  const { lessonId, path } = parseInput(params, await ctx.params);
  const text = await signedPlaylist(await getCurrentUser(), lessonId, path.join("/"), await requestContext());
  return new Response(text, {
    headers: { "Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": "private, no-store" },
  });
});
