import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ActionButton } from "@/components/action-button";
import { PageForbidden } from "@/components/forbidden-panel";
import { Card, PageHeader } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { getAccount } from "@/lib/users";
import { signOutEverywhereAction } from "./actions";

export const metadata: Metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

export default async function AccountPage() {
  const loaded = await loadForPage("/account", async () => getAccount(await requireUser()));
  if (!loaded.ok) return <PageForbidden message={loaded.message} reason={loaded.reason} />;
  const account = loaded.value;

  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <PageHeader title="Your account" />
      <Card className="p-6">
        <h2 className="text-lg font-semibold text-slate-900">Profile</h2>
        <dl className="mt-4 grid grid-cols-[8rem_1fr] gap-y-2 text-sm" data-testid="account-profile">
          <Row label="Name">{account.name}</Row>
          <Row label="Email">{account.email}</Row>
          <Row label="Role">{account.role.toLowerCase()}</Row>
          <Row label="Member since">{formatDate(account.createdAt)}</Row>
          <Row label="Password">{account.hasPassword ? "set" : "none (you sign in with GitHub)"}</Row>
        </dl>
      </Card>
      <Card className="p-6">
        <h2 className="text-lg font-semibold text-slate-900">Sessions</h2>
        <p className="mt-1 text-sm text-slate-600">
          Lost a device, or signed in on a shared computer? Sign out of all devices: every session of this account ends on its next request, this one
          included, and videos stop refreshing.
        </p>
        <div className="mt-4">
          <ActionButton
            action={signOutEverywhereAction}
            variant="danger"
            pendingText="Signing out…"
            confirm="Sign out of all devices, this one included?"
            testId="sign-out-everywhere"
          >
            Sign out of all devices
          </ActionButton>
        </div>
      </Card>
    </div>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="font-medium text-slate-500">{label}</dt>
      <dd className="text-slate-900">{children}</dd>
    </>
  );
}
