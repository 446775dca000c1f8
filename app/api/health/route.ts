import { NextResponse } from "next/server";
import { checkHealth } from "@/lib/ops/health";

export const dynamic = "force-dynamic";

/** GET -> 200 { status: "ok", database, storage, signatureCache: { entries, maxEntries, hits, misses, hitRatio } } | 503 naming what failed, or "draining" during shutdown. */
export async function GET() {
  const health = await checkHealth();
  return NextResponse.json(health, { status: health.status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
