"use server";

import { signedInAction, signedInFormAction } from "@/lib/http/action";
import { endSessions, setUserDisabled, setUserRole } from "@/lib/users";

/**
 * Server actions of the user administration page (/admin/users). Each calls one lib/users
 * function, which asks lib/access whether the viewer is an administrator and ends the
 * account's sessions where the change requires it.
 */

export const setUserDisabledAction = signedInAction(
  (viewer, userId: string, disabled: boolean) => setUserDisabled(viewer, String(userId), disabled === true),
  { message: (_, _userId, disabled) => (disabled ? "Account disabled: its sessions have ended." : "Account enabled.") },
);

export const setUserRoleAction = signedInFormAction(
  (viewer, form, userId: string) => setUserRole(viewer, String(userId), String(form.get("role") ?? "")),
  { message: "Role changed: the account's sessions have ended.", summarize: false },
);

export const endUserSessionsAction = signedInAction((viewer, userId: string) => endSessions(viewer, String(userId)), {
  message: "Signed out everywhere.",
});
