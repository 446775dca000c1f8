import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth-forms";
import { Alert, Card } from "@/components/ui";
import { gitHubSignInErrors } from "@/lib/auth/github";
import { githubEnabled } from "@/lib/auth/options";
import { getCurrentUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/http/safe-redirect";

export const metadata: Metadata = { title: "Sign in" };

const errors: Record<string, string> = {
  ...gitHubSignInErrors,
  OAuthAccountNotLinked: "Sign in with the method you used before.",
  SessionRequired: "Sign in to continue.",
};

const notices: Record<string, string> = {
  "signed-out-everywhere": "You were signed out on all devices.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const { callbackUrl, error, notice } = await searchParams;
  if (await getCurrentUser()) redirect(safeCallbackPath(callbackUrl));
  return (
    <div className="mx-auto max-w-md">
      <h1 className="mb-6 text-center text-3xl font-bold tracking-tight">Sign in</h1>
      {notice && notices[notice] ? (
        <div className="mb-4">
          <Alert tone="green">{notices[notice]}</Alert>
        </div>
      ) : null}
      <Card className="p-6">
        <SignInForm callbackUrl={callbackUrl} initialError={error ? (errors[error] ?? "Sign-in failed. Try again.") : undefined} github={githubEnabled} />
      </Card>
    </div>
  );
}
