import { NextResponse } from "next/server";
import { z } from "zod";
import { getCurrentUser } from "@/lib/auth/session";
import { parseInput, route } from "@/lib/http/handler";
import { deleteAsset, getAssetStatus } from "@/lib/uploads";
import { idSchema } from "@/lib/uploads/schemas";

const params = z.object({ assetId: idSchema });

/** GET -> { asset: AssetView } (status, progress, error…): the video panel polls it while processing. */
export const GET = route<{ assetId: string }>(async (_request, ctx) => {
  const { assetId } = parseInput(params, await ctx.params);
  const asset = await getAssetStatus(await getCurrentUser(), assetId);
  return NextResponse.json({ asset }, { headers: { "Cache-Control": "no-store" } });
});

/** DELETE: removes a caption, attachment, cover or failed video (objects and row) -> 204. */
export const DELETE = route<{ assetId: string }>(async (_request, ctx) => {
  const { assetId } = parseInput(params, await ctx.params);
  await deleteAsset(await getCurrentUser(), assetId);
  return new Response(null, { status: 204 });
});
