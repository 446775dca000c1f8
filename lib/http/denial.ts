import "server-only";
import { headers } from "next/headers";
import { forbidden } from "next/navigation";
import type { AccessDecision } from "@/lib/access/policy";
import { REQUEST_ID_HEADER } from "./request-id";

/**
 * Denied pages answer HTTP 403 and still say why and what to do. Next's `forbidden()` renders
 * app/forbidden.tsx with status 403 but passes it nothing (and renders it apart from the page,
 * so no per-render cache reaches it). The page therefore leaves its denial under the request's
 * id — `x-request-id`, which proxy.ts sets on every request, replacing any client value — and
 * app/forbidden.tsx takes it from there. The map is bounded (oldest entries dropped first).
 */
export type Denial =
  | {
      kind: "course-content";
      decision: Extract<AccessDecision, { allowed: false }>;
      course: { slug: string; title: string; isFree: boolean };
      returnTo: string;
    }
  | { kind: "page"; message: string; reason?: string };

const MAX_PENDING = 1000;
// On globalThis: Next bundles the page and app/forbidden.tsx as separate entries, each with its
// own copy of this module.
const g = globalThis as unknown as { __lumenDenials?: Map<string, Denial> };
const pending = (g.__lumenDenials ??= new Map<string, Denial>());

async function requestId(): Promise<string | null> {
  return (await headers()).get(REQUEST_ID_HEADER);
}

/** Ends the page with a 403 that explains `denial`. Use as `return denyPage(...)`. */
export async function denyPage(denial: Denial): Promise<never> {
  const id = await requestId();
  if (id) {
    if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
    pending.set(id, denial);
  }
  forbidden();
}

/** The denial of this request, for app/forbidden.tsx (null: forbidden() came from elsewhere). */
export async function currentDenial(): Promise<Denial | null> {
  const id = await requestId();
  if (!id) return null;
  // Not deleted when read: Next may render the 403 boundary more than once for one request.
  return pending.get(id) ?? null;
}
