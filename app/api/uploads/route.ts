import { NextResponse } from "next/server";
import { getCurrentUser } from "@/lib/auth/session";
import { clientOf, parseInput, readJson, route } from "@/lib/http/handler";
import { consume, limiter, LIMITS } from "@/lib/rate-limit";
import { startUpload } from "@/lib/uploads";
import { startUploadSchema } from "@/lib/uploads/schemas";

/**
 * POST { courseId, lessonId?, kind, fileName, contentType, bytes, language?, label? }
 * -> 201 { uploadId, assetId, kind, fileName, bytes, expiresAt,
 *          transfer: { method: "PUT", url, headers } | { method: "MULTIPART", partSize, partCount } }
 * Refuses (422) a file of the wrong type or size before any byte is sent.
 */
export const POST = route(async (request) => {
  const input = parseInput(startUploadSchema, await readJson(request));
  const user = await getCurrentUser();
  await consume(limiter("upload-start", LIMITS.uploadStart), user?.id ?? clientOf(request), "uploads started");
  const started = await startUpload(user, input);
  return NextResponse.json(started, { status: 201, headers: { "Cache-Control": "no-store" } });
});
