import "server-only";
import { forbidden } from "next/navigation";
import { cache } from "react";
import type { AccessDecision } from "@/lib/access/policy";

/**
 * Denied pages answer HTTP 403 and still say why and what to do. Next's `forbidden()` renders
 * app/forbidden.tsx with status 403 but passes it nothing, so the page leaves its denial in a
 * per-request slot (React `cache`: one per server request) that app/forbidden.tsx reads.
 */
export type Denial =
  | {
      kind: "course-content";
      decision: Extract<AccessDecision, { allowed: false }>;
      course: { slug: string; title: string; isFree: boolean };
      returnTo: string;
    }
  | { kind: "page"; message: string; reason?: string };

const slot = cache((): { denial: Denial | null } => ({ denial: null }));

/** Ends the page with a 403 that explains `denial`. */
export function denyPage(denial: Denial): never {
  slot().denial = denial;
  forbidden();
}

/** The denial of this request, for app/forbidden.tsx (null: forbidden() came from elsewhere). */
export function currentDenial(): Denial | null {
  return slot().denial;
}
