"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { ActionResult } from "@/lib/http/action-result";
import { hintClass, labelClass } from "./classes";

/** The last result of the enclosing <ActionForm>'s action (null outside one, or before it ran). */
export const FormStateContext = createContext<ActionResult<unknown> | null>(null);

function useFormFieldError(name: string): string | undefined {
  const state = useContext(FormStateContext);
  return state && !state.ok ? state.fieldErrors?.[name]?.[0] : undefined;
}

/**
 * The error shown under a field: `error` when given, else what the enclosing <ActionForm>'s action
 * said about `name`. A given error is announced (role="alert"): outside an ActionForm nothing else
 * announces it, while an ActionForm's banner already does.
 */
export function FieldError({ name, error }: { name: string; error?: string[] | string }) {
  const fromForm = useFormFieldError(name);
  const given = Array.isArray(error) ? error[0] : error;
  const message = given ?? fromForm;
  if (!message) return null;
  return (
    <p className="text-sm text-red-600" role={given ? "alert" : undefined} data-field-error={name}>
      {message}
    </p>
  );
}

/**
 * The one form-field component: a label, the control (`children`), an optional hint (id
 * `<htmlFor>-hint`, for the control's aria-describedby) and the field's error (see FieldError).
 * `inline` puts the control (a checkbox) before its label and hint.
 */
export function Field({
  label,
  name,
  htmlFor = name,
  hint,
  error,
  inline = false,
  className = "space-y-1",
  testId,
  children,
}: {
  label: ReactNode;
  name: string;
  htmlFor?: string;
  hint?: ReactNode;
  error?: string[] | string;
  inline?: boolean;
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  const text = (
    <>
      <label htmlFor={htmlFor} className={labelClass}>
        {label}
      </label>
      {inline ? null : children}
      {hint ? (
        <p id={`${htmlFor}-hint`} className={hintClass}>
          {hint}
        </p>
      ) : null}
    </>
  );
  return (
    <div className={className} data-testid={testId}>
      {inline ? (
        <div className="flex items-start gap-3">
          {children}
          <div>{text}</div>
        </div>
      ) : (
        text
      )}
      <FieldError name={name} error={error} />
    </div>
  );
}
