/**
 * CORS of the local edge (ADR 024): credentialed reads for the app's origins, preflights
 * answered without a signature (browsers send no cookies on them and no bytes are served).
 */
import type http from "node:http";

export const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
const EXPOSED_HEADERS = "Content-Length, Content-Range, Accept-Ranges, ETag";
/** Request headers a cross-origin player may send (preflight answer). */
const ALLOWED_REQUEST_HEADERS = new Set(["range", "if-none-match", "if-modified-since", "if-range", "cache-control", "pragma"]);

/** Sets `Vary: Origin` and, for an allowed origin, the allow/expose headers; returns that origin. */
export function applyCors(corsOrigins: ReadonlySet<string>, req: http.IncomingMessage, res: http.ServerResponse): string | undefined {
  res.setHeader("Vary", "Origin");
  const origin = req.headers.origin;
  if (origin && corsOrigins.has(origin)) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
    res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    return origin;
  }
  return undefined;
}

/** Answers an OPTIONS request (204), granting GET/HEAD with the player's headers to allowed origins. */
export function handlePreflight(corsOrigins: ReadonlySet<string>, req: http.IncomingMessage, res: http.ServerResponse): void {
  res.setHeader("Allow", ALLOWED_METHODS);
  const requestedMethod = req.headers["access-control-request-method"];
  const allowedOrigin = applyCors(corsOrigins, req, res);
  res.setHeader("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (allowedOrigin && typeof requestedMethod === "string") {
    const requestedHeaders = String(req.headers["access-control-request-headers"] ?? "")
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    const methodOk = requestedMethod === "GET" || requestedMethod === "HEAD";
    const headersOk = requestedHeaders.every((h) => ALLOWED_REQUEST_HEADERS.has(h));
    if (methodOk && headersOk) {
      res.setHeader("Access-Control-Allow-Methods", "GET, HEAD");
      if (requestedHeaders.length > 0) res.setHeader("Access-Control-Allow-Headers", requestedHeaders.join(", "));
      res.setHeader("Access-Control-Max-Age", "3000");
    } else {
      // Not allowed: answer without the allow-* headers, the browser then blocks the request.
      res.removeHeader("Access-Control-Allow-Origin");
      res.removeHeader("Access-Control-Allow-Credentials");
      res.removeHeader("Access-Control-Expose-Headers");
    }
  }
  res.statusCode = 204;
  res.end();
}
