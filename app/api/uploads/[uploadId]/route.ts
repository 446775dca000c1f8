import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, route } from "@/lib/http/handler";
import { abortUpload } from "@/lib/uploads";
import { idSchema } from "@/lib/uploads/schemas";

const params = z.object({ uploadId: idSchema });

/** DELETE: cancels the upload (multipart aborted, partial object and asset deleted) -> 204. */
export const DELETE = route<{ uploadId: string }>(async (_request, ctx) => {
  const { uploadId } = parseInput(params, await ctx.params);
  await abortUpload(await getCurrentUser(), uploadId);
  return new Response(null, { status: 204 });
});
