import { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, readJson, route } from "@/lib/http/handler";
import { completeUpload } from "@/lib/uploads";
import { completeUploadSchema, idSchema } from "@/lib/uploads/schemas";

const params = z.object({ uploadId: idSchema });

/**
 * POST { parts?: [{ partNumber, etag }] } -> { asset: AssetView }
 * Assembles and verifies the stored file. 409 while parts are missing (upload them, then call
 * again); 422 when the file is not what it claims (it is deleted, the asset marked FAILED).
 */
export const POST = route<{ uploadId: string }>(async (request, ctx) => {
  const { uploadId } = parseInput(params, await ctx.params);
  const input = parseInput(completeUploadSchema, await readJson(request));
  const asset = await completeUpload(await getCurrentUser(), uploadId, input);
  return NextResponse.json({ asset }, { headers: { "Cache-Control": "no-store" } });
});
