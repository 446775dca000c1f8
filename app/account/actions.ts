"use server";

import { cookies } from "next/headers";
import { githubEnabled } from "@/lib/auth/options";
import { linkIntentCookie, signLinkIntent } from "@/lib/auth/link-intent";
import { getCurrentUser } from "@/lib/auth/session";
import { ConflictError, UnauthenticatedError } from "@/lib/errors";
import { runAction, signedInAction, type ActionResult } from "@/lib/http/action";
import { endSessions, unlinkGitHub } from "@/lib/users";

/** "Sign out of all devices": ends every session of the signed-in account, this one included. */
export const signOutEverywhereAction = signedInAction((viewer) => endSessions(viewer, viewer?.id ?? ""), {
  redirectTo: () => "/signin?notice=signed-out-everywhere",
});

/**
 * "Link GitHub", step 1: a signed, 10-minute link intent for this user's session in an HttpOnly
 * cookie; the browser then goes through GitHub's sign-in, whose callback links the GitHub
 * account to this user (lib/auth/github.ts) instead of signing in.
 */
export async function startGitHubLinkAction(): Promise<ActionResult> {
  const user = await getCurrentUser();
  return runAction(async () => {
    if (!user) throw new UnauthenticatedError();
    if (!githubEnabled) throw new ConflictError("GitHub sign-in is not enabled on this site.");
    (await cookies()).set(linkIntentCookie(signLinkIntent(user)));
    return undefined;
  });
}

export const unlinkGitHubAction = signedInAction((viewer) => unlinkGitHub(viewer, viewer?.id ?? ""), { message: "GitHub unlinked." });
