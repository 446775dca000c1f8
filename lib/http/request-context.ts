import "server-only";
import { cache } from "react";
import { headers } from "next/headers";
import type { AccessContext } from "@/lib/audit/events";
import { getCurrentUser } from "@/lib/auth/session";
import { CLIENT_IP_HEADER, normaliseIp } from "@/lib/ops/client-ip";

/**
 * Who and where a request comes from, for the access audit log (ADR 047), read once per request
 * (React `cache`: the same object for a page and its generateMetadata, so per-request caches
 * keyed on it hit): the client address the app's HTTP server (server/main.ts) writes into
 * `x-lumen-client-ip`, replacing any value a client sent; the User-Agent header; the sign-in
 * session id. Pages and route handlers pass it to the domain, which never reads headers.
 */
export const requestContext = cache(async (): Promise<AccessContext> => {
  const h = await headers();
  const user = await getCurrentUser();
  return {
    ip: normaliseIp(h.get(CLIENT_IP_HEADER) ?? undefined) ?? null,
    userAgent: h.get("user-agent"),
    // The JWT's `sid` claim, exposed as CurrentUser.sessionId once sessions carry one.
    sessionId: (user as { sessionId?: string } | null)?.sessionId ?? null,
  };
});
