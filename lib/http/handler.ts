import "server-only";
import { NextResponse } from "next/server";
import { AppError, RateLimitedError, ValidationError } from "@/lib/errors";

// Moved to lib/validation (domain code must not import the HTTP layer); re-exported for route handlers.
export { parseInput, fieldErrorsOf } from "@/lib/validation";

export async function readJson(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!type.includes("application/json")) throw new ValidationError("Send a JSON body (Content-Type: application/json).");
  try {
    return await request.json();
  } catch {
    throw new ValidationError("The request body is not valid JSON.");
  }
}

/** Maps any thrown error to a JSON response, once for every route handler. */
export function errorResponse(error: unknown): NextResponse {
  if (error instanceof AppError) {
    const headers: Record<string, string> = {};
    if (error instanceof RateLimitedError) headers["Retry-After"] = String(error.retryAfterSeconds);
    return NextResponse.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      { status: error.status, headers },
    );
  }
  console.error(error);
  return NextResponse.json({ error: { code: "internal", message: "Something went wrong on our side." } }, { status: 500 });
}

type Ctx<P> = { params: Promise<P> };

/** Wraps a route handler: parse, authorize and act inside; errors mapped here (401/403/404/409/422/429). */
export function route<P = Record<string, string>>(
  fn: (request: Request, ctx: Ctx<P>) => Promise<Response>,
): (request: Request, ctx: Ctx<P>) => Promise<Response> {
  return async (request, ctx) => {
    try {
      return await fn(request, ctx);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
