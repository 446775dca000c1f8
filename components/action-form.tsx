"use client";

import { useActionState, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/http/action-result";
import { buttonClass } from "@/components/ui";
import { FormStateContext } from "@/components/ui/field";

type FormAction = (state: ActionResult<unknown> | null, form: FormData) => Promise<ActionResult<unknown>>;

/**
 * A form bound to a server action: shows the action's error or success message and
 * exposes field errors to the <Field>s inside it (components/ui). Inputs keep what the
 * user typed on error (React resets only on success).
 */
export function ActionForm({
  action,
  children,
  className = "space-y-4",
  confirm,
  resetOnSuccess = false,
  testId,
}: {
  action: FormAction;
  children: ReactNode;
  className?: string;
  confirm?: string;
  resetOnSuccess?: boolean;
  testId?: string;
}) {
  const [state, formAction] = useActionState(action, null);
  return (
    <FormStateContext.Provider value={state}>
      <form
        action={formAction}
        className={className}
        data-testid={testId}
        // React resets a form after its action whatever the result, once the result has rendered:
        // onReset reads it here, so resetOnSuccess keeps what was typed after an error.
        data-succeeded={state?.ok === true ? "true" : undefined}
        onSubmit={(e) => {
          if (confirm && !window.confirm(confirm)) e.preventDefault();
        }}
        onReset={(e) => {
          if (!resetOnSuccess || e.currentTarget.dataset.succeeded !== "true") e.preventDefault();
        }}
      >
        {state && !state.ok ? (
          <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200">
            {state.error}
          </p>
        ) : null}
        {state && state.ok && state.message ? (
          <p role="status" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-inset ring-emerald-200">
            {state.message}
          </p>
        ) : null}
        {children}
      </form>
    </FormStateContext.Provider>
  );
}

export function SubmitButton({
  children,
  variant = "primary",
  className = "",
  pendingText,
}: {
  children: ReactNode;
  variant?: "primary" | "secondary" | "danger" | "ghost";
  className?: string;
  pendingText?: string;
}) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} className={buttonClass(variant, className)}>
      {pending ? (pendingText ?? "Saving…") : children}
    </button>
  );
}
