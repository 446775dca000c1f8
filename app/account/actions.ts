"use server";

import { signedInAction } from "@/lib/http/action";
import { endSessions } from "@/lib/users";

/** "Sign out of all devices": ends every session of the signed-in account, this one included. */
export const signOutEverywhereAction = signedInAction((viewer) => endSessions(viewer, viewer?.id ?? ""), {
  redirectTo: () => "/signin?notice=signed-out-everywhere",
});
