import "server-only";
import { NextResponse } from "next/server";
import { loadConfig } from "@/lib/config";
import { AppError, ForbiddenError, RateLimitedError, ValidationError } from "@/lib/errors";
import { CLIENT_IP_HEADER } from "@/lib/ops/client-ip";

// Moved to lib/validation (domain code must not import the HTTP layer); re-exported for route handlers.
export { parseInput, fieldErrorsOf } from "@/lib/validation";

/** The media type of a Content-Type header, without parameters: `application/json; charset=utf-8` -> `application/json`. */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

/**
 * The body as JSON, only with `Content-Type: application/json` (parameters allowed). A type
 * that merely contains the words (`text/plain; x=application/json`) is refused: such a request
 * needs no CORS preflight, so a page on another site could send it.
 */
export async function readJson(request: Request): Promise<unknown> {
  if (mediaType(request.headers.get("content-type")) !== "application/json") {
    throw new ValidationError("Send a JSON body (Content-Type: application/json).");
  }
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

/** The client address the app's HTTP server computed (server/main.ts, TRUST_PROXY_HOPS). */
export function clientOf(request: Request): string {
  return request.headers.get(CLIENT_IP_HEADER) ?? "unknown";
}

type Ctx<P> = { params: Promise<P> };

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Cross-site request forgery guard for state-changing requests: a browser says where a request
 * comes from (`Sec-Fetch-Site`, and `Origin` on POST); anything but this site is refused.
 * Requests with neither header (curl, server-to-server) carry no ambient browser credentials
 * worth forging and pass. Pure apart from the configured origin.
 */
export function assertSameOrigin(request: Request, appOrigin = new URL(loadConfig().server.publicUrl).origin): void {
  if (SAFE_METHODS.has(request.method)) return;
  const site = request.headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") throw new ForbiddenError("Cross-site requests are not accepted.");
  const origin = request.headers.get("origin");
  if (origin && origin !== appOrigin) throw new ForbiddenError("Cross-site requests are not accepted.");
}

/**
 * Wraps a route handler: the same-origin guard for state-changing methods, then parse, authorize
 * and act inside; errors mapped here (401/403/404/409/422/429).
 */
export function route<P = Record<string, string>>(
  fn: (request: Request, ctx: Ctx<P>) => Promise<Response>,
): (request: Request, ctx: Ctx<P>) => Promise<Response> {
  return async (request, ctx) => {
    try {
      assertSameOrigin(request);
      return await fn(request, ctx);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
