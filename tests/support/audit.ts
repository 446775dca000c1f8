import type { AccessContext } from "@/lib/audit/events";

/** The request context integration tests record access events with (a documentation address). */
export const testContext: AccessContext = { ip: "192.0.2.1", userAgent: "vitest", sessionId: null };
