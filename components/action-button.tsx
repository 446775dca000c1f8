"use client";

import { useState, useTransition, type ReactNode } from "react";
import type { ActionResult } from "@/lib/http/action-result";
import { buttonClass } from "@/components/ui";

/** A button that runs a bound server action and shows its error (or success) message. */
export function ActionButton({
  action,
  children,
  pendingText = "Working…",
  variant = "primary",
  className = "",
  confirm,
  testId,
}: {
  action: () => Promise<ActionResult<unknown>>;
  children: ReactNode;
  pendingText?: string;
  variant?: "primary" | "secondary" | "danger" | "ghost";
  className?: string;
  confirm?: string;
  testId?: string;
}) {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  return (
    <div className="space-y-2">
      <button
        type="button"
        data-testid={testId}
        disabled={pending}
        className={buttonClass(variant, className)}
        onClick={() => {
          if (confirm && !window.confirm(confirm)) return;
          start(async () => setResult(await action()));
        }}
      >
        {pending ? pendingText : children}
      </button>
      {result && !result.ok ? (
        <p role="alert" className="text-sm text-red-600">
          {result.error}
        </p>
      ) : null}
    </div>
  );
}
