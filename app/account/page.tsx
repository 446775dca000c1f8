import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ActionButton } from "@/components/action-button";
import { PageForbidden } from "@/components/forbidden-panel";
import { GitHubLinkButton } from "@/components/github-link-button";
import { Alert, Card, PageHeader } from "@/components/ui";
import { gitHubLinkOutcomes, type GitHubLinkOutcome } from "@/lib/auth/github";
import { githubEnabled } from "@/lib/auth/options";
import { requireUser } from "@/lib/auth/session";
import { formatDate } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { getAccount } from "@/lib/users";
import { signOutEverywhereAction, startGitHubLinkAction, unlinkGitHubAction } from "./actions";

export const metadata: Metadata = { title: "Your account" };
export const dynamic = "force-dynamic";

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ github?: string }> }) {
  const { github: outcome } = await searchParams;
  const loaded = await loadForPage("/account", async () => getAccount(await requireUser()));
  if (!loaded.ok) return <PageForbidden message={loaded.message} reason={loaded.reason} />;
  const account = loaded.value;
  const message = outcome && outcome in gitHubLinkOutcomes ? gitHubLinkOutcomes[outcome as GitHubLinkOutcome] : null;

  return (
    <div className="mx-auto max-w-2xl space-y-6">
      <PageHeader title="Your account" />
      {message ? <Alert tone={outcome === "linked" ? "green" : "red"}>{message}</Alert> : null}
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
      <Card className="p-6" data-testid="account-github">
        <h2 className="text-lg font-semibold text-slate-900">GitHub</h2>
        {account.github ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              Linked{account.github.login ? ` to @${account.github.login}` : ""} since {formatDate(account.github.createdAt)}: you can sign in with GitHub.
            </p>
            {account.hasPassword ? (
              <div className="mt-4">
                <ActionButton action={unlinkGitHubAction} variant="secondary" pendingText="Unlinking…" confirm="Unlink GitHub? You will sign in with your password only.">
                  Unlink GitHub
                </ActionButton>
              </div>
            ) : null}
          </>
        ) : githubEnabled ? (
          <>
            <p className="mt-1 text-sm text-slate-600">
              Link your GitHub account to sign in with it. GitHub asks you to confirm; the link is made to this account only.
            </p>
            <div className="mt-4">
              <GitHubLinkButton start={startGitHubLinkAction} />
            </div>
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-600">GitHub sign-in is not enabled on this site.</p>
        )}
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
