/**
 * Local CloudFront-compatible edge: verifies signed URLs / signed cookies exactly as a
 * distribution with a trusted key group does (verification itself lives in the pure module
 * lib/cloudfront/verify.ts), then streams the object from S3-compatible storage.
 *
 * This file creates the server and routes a request; the pieces: edge/http.ts (pure helpers),
 * edge/cors.ts, edge/options.ts, edge/health.ts, edge/serve-cached.ts + edge/object-cache.ts
 * (object cache, ADR 037), edge/serve-object.ts (storage path), edge/shutdown.ts. In
 * production CloudFront plays this role; see edge/README.md and docs/decisions/020-028, 037.
 */
import http from "node:http";

import { errorXml, verifyRequest } from "../lib/cloudfront/verify";
import { MAX_URL_BYTES } from "../lib/cloudfront/wire";
import { InvalidObjectKeyError, urlPathToObjectKey } from "../lib/storage/keys";
import { ALLOWED_METHODS, applyCors, handlePreflight } from "./cors";
import { MAX_HEADER_BYTES, normaliseIp, parseCookieHeader, requestHeadBytes, SECURITY_HEADERS, sendError, xmlBody } from "./http";
import { HEALTH_PATH, METRICS_PATH, sendHealth, sendMetrics } from "./health";
import { prepare, type EdgeServerOptions, type Prepared } from "./options";
import { serveObject } from "./serve-cached";
import type { ResponseOverrides } from "./serve-object";
import { isDraining, trackConnections } from "./shutdown";

/** CloudFront quota: maximum URL length (absolute URL as issued, in bytes). */
export { MAX_URL_BYTES };
export { MAX_HEADER_BYTES, etagMatches, parseCookieHeader, parseRangeHeader, requestHeadBytes, resolveRange, signedCacheControl } from "./http";
export type { RangeSpec } from "./http";
export type { EdgeCacheControl, EdgeServerOptions } from "./options";
export { drainAndClose, isDraining, trackConnections } from "./shutdown";
export { ObjectCache } from "./object-cache";

/** Creates the edge HTTP server (not listening yet). */
export function createEdgeServer(options: EdgeServerOptions): http.Server {
  const cfg = prepare(options);

  const server = http.createServer({ maxHeaderSize: MAX_HEADER_BYTES });
  // Before the handler: a response is counted as in flight before anything can complete it.
  trackConnections(server);
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(cfg, req, res, isDraining(server)).catch((err: unknown) => {
      cfg.onError(err, req);
      if (!res.headersSent) {
        sendError(res, 500, "InternalError", "We encountered an internal error. Please try again.");
      } else {
        res.destroy(err instanceof Error ? err : undefined);
      }
    });
  });

  server.on("clientError", (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const tooLarge = err.code === "HPE_HEADER_OVERFLOW";
    const status = tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request";
    const body = tooLarge
      ? xmlBody("RequestHeaderSectionTooLarge", `Request line and headers exceed ${MAX_HEADER_BYTES} bytes`)
      : xmlBody("BadRequest", "Malformed request");
    const security = Object.entries(SECURITY_HEADERS)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join("");
    socket.end(
      `HTTP/1.1 ${status}\r\nContent-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${security}Connection: close\r\n\r\n${body}`,
    );
  });

  return server;
}

async function handle(cfg: Prepared, req: http.IncomingMessage, res: http.ServerResponse, draining: boolean): Promise<void> {
  const method = req.method ?? "";
  const rawUrl = req.url ?? "";
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  // Shutting down: finish this response, then close the connection (edge/shutdown.ts).
  if (draining) res.setHeader("Connection", "close");

  if (requestHeadBytes(req) > MAX_HEADER_BYTES) {
    applyCors(cfg.corsOrigins, req, res);
    sendError(res, 431, "RequestHeaderSectionTooLarge", `Request line and headers exceed ${MAX_HEADER_BYTES} bytes`);
    return;
  }
  if (method === "OPTIONS") {
    handlePreflight(cfg.corsOrigins, req, res);
    return;
  }
  applyCors(cfg.corsOrigins, req, res);
  if (method !== "GET" && method !== "HEAD") {
    sendError(res, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.", { Allow: ALLOWED_METHODS });
    return;
  }
  const q = rawUrl.indexOf("?");
  const rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (rawPath === HEALTH_PATH) return sendHealth(cfg, res, draining);
  if (rawPath === METRICS_PATH) return sendMetrics(cfg, res, draining);
  if (Buffer.byteLength(cfg.baseUrl, "utf8") + Buffer.byteLength(rawUrl, "utf8") > MAX_URL_BYTES) {
    sendError(res, 414, "UriTooLong", `The URL exceeds ${MAX_URL_BYTES} bytes`);
    return;
  }
  if (!rawUrl.startsWith("/")) {
    // Absolute-form or asterisk-form request targets are not something a viewer sends.
    sendError(res, 400, "InvalidURI", "Couldn't parse the specified URI.");
    return;
  }

  let key: string | undefined;
  try {
    key = urlPathToObjectKey(rawPath);
  } catch (err) {
    if (!(err instanceof InvalidObjectKeyError)) throw err;
    key = undefined;
  }

  const isPublic = key !== undefined && cfg.publicPrefixes.some((p) => key!.startsWith(p));
  let overrides: ResponseOverrides = {};

  if (!isPublic && cfg.verify) {
    const decision = verifyRequest(
      {
        url: cfg.baseUrl + rawUrl,
        cookies: parseCookieHeader(req.headers.cookie),
        sourceIp: normaliseIp(req.socket.remoteAddress),
        now: cfg.now(),
      },
      { trustedKeys: cfg.trustedKeys, cache: cfg.cache },
    );
    if (!decision.ok) {
      sendError(res, decision.status, decision.code, decision.message, {}, errorXml(decision.code, decision.message));
      return;
    }
    // Only the application's parameters reach the origin (the verifier stripped the signing
    // ones), and of those only `response-content-disposition`, and only on canned-policy signed
    // URLs, where the app signed that exact query (ADR 028). Cookie-authorised URLs and custom
    // policies (`.../*` also covers an appended query) carry a query nobody signed.
    if (decision.via === "url" && decision.policy === "canned") {
      const oq = decision.originUrl.indexOf("?");
      const disposition = oq === -1 ? null : new URLSearchParams(decision.originUrl.slice(oq + 1)).get("response-content-disposition");
      if (disposition !== null) overrides = { responseContentDisposition: disposition };
    }
  }

  if (key === undefined) {
    sendError(res, 400, "InvalidURI", "Couldn't parse the specified URI.");
    return;
  }

  await serveObject(cfg, req, res, { key, isPublic, overrides });
}
