import "server-only";
import { requireInstructorRole } from "@/lib/access";
import { requireUser, type CurrentUser } from "@/lib/auth/session";
import { loadForPage } from "@/lib/http/page";

export type Gate = { ok: true; user: CurrentUser } | { ok: false; user: CurrentUser; message: string };

/**
 * Page guard for the instructor area: signed out -> sign-in page (back to `path`);
 * signed in without the instructor/admin role -> { ok: false } so the page renders a 403 panel.
 */
export async function instructorGate(path: string): Promise<Gate> {
  const gate = await loadForPage(path, async () => requireInstructorRole(await requireUser()));
  if (gate.ok) return { ok: true, user: gate.value };
  return { ok: false, user: await requireUser(), message: gate.message };
}
