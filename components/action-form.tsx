"use client";

import { createContext, useActionState, useContext, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import type { ActionResult } from "@/lib/http/action-result";
import { buttonClass, hintClass, labelClass } from "@/components/ui";

type FormAction = (state: ActionResult<unknown> | null, form: FormData) => Promise<ActionResult<unknown>>;

const StateContext = createContext<ActionResult<unknown> | null>(null);

/**
 * A form bound to a server action: shows the action's error or success message and
 * exposes field errors to <FieldError>. Inputs keep what the user typed on error
 * (React resets only on success).
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
    <StateContext.Provider value={state}>
      <form
        action={formAction}
        className={className}
        data-testid={testId}
        onSubmit={(e) => {
          if (confirm && !window.confirm(confirm)) e.preventDefault();
        }}
        onReset={(e) => {
          if (!resetOnSuccess) e.preventDefault();
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
    </StateContext.Provider>
  );
}

export function FieldError({ name }: { name: string }) {
  const state = useContext(StateContext);
  const message = state && !state.ok ? state.fieldErrors?.[name]?.[0] : undefined;
  if (!message) return null;
  return (
    <p className="text-sm text-red-600" data-field-error={name}>
      {message}
    </p>
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

/**
 * A labelled form control inside an <ActionForm>: label, the control, an optional hint
 * (id `<htmlFor>-hint`, for the control's aria-describedby) and the action's error for `name`.
 */
export function FormField({ label, htmlFor, name, hint, children }: { label: ReactNode; htmlFor: string; name: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={htmlFor} className={labelClass}>
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${htmlFor}-hint`} className={hintClass}>
          {hint}
        </p>
      ) : null}
      <FieldError name={name} />
    </div>
  );
}
