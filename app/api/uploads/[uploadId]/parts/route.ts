import { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, readJson, route } from "@/lib/http/handler";
import { listUploadedParts, presignParts } from "@/lib/uploads";
import { idSchema, presignPartsSchema } from "@/lib/uploads/schemas";

const params = z.object({ uploadId: idSchema });
const noStore = { "Cache-Control": "no-store" };

/**
 * GET -> { uploadId, assetId, kind, fileName, bytes, expiresAt, method, partSize, partCount,
 *          parts: [{ partNumber, etag, size }], put?: { url, headers } }
 * What storage already holds, so an interrupted upload sends only the rest.
 */
export const GET = route<{ uploadId: string }>(async (_request, ctx) => {
  const { uploadId } = parseInput(params, await ctx.params);
  return NextResponse.json(await listUploadedParts(await getCurrentUser(), uploadId), { headers: noStore });
});

/** POST { partNumbers: number[] } (at most 100) -> { parts: [{ partNumber, url, headers, bytes }], expiresAt } */
export const POST = route<{ uploadId: string }>(async (request, ctx) => {
  const { uploadId } = parseInput(params, await ctx.params);
  const input = parseInput(presignPartsSchema, await readJson(request));
  return NextResponse.json(await presignParts(await getCurrentUser(), uploadId, input), { headers: noStore });
});
