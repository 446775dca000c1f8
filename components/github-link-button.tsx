"use client";

import { signIn } from "next-auth/react";
import { useState, useTransition } from "react";
import type { ActionResult } from "@/lib/http/action-result";
import { buttonClass } from "@/components/ui";

/**
 * "Link GitHub": asks the server for a link intent (an HttpOnly cookie bound to this session),
 * then goes through GitHub's sign-in; the callback links the GitHub account to the signed-in
 * user and comes back to the account page.
 */
export function GitHubLinkButton({ start }: { start: () => Promise<ActionResult<unknown>> }) {
  const [pending, run] = useTransition();
  const [error, setError] = useState<string>();
  return (
    <div className="space-y-2">
      <button
        type="button"
        disabled={pending}
        className={buttonClass("secondary")}
        onClick={() =>
          run(async () => {
            const result = await start();
            if (!result.ok) return setError(result.error);
            await signIn("github", { callbackUrl: "/account" });
          })
        }
      >
        {pending ? "Opening GitHub…" : "Link GitHub"}
      </button>
      {error ? (
        <p role="alert" className="text-sm text-red-600">
          {error}
        </p>
      ) : null}
    </div>
  );
}
