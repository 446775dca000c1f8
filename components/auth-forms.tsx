"use client";

import Link from "next/link";
import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { passwordProblem, PASSWORD_MIN_LENGTH } from "@/lib/auth/password-rules";
import { safeCallbackPath } from "@/lib/http/safe-redirect";
import { Alert, buttonClass, Field, inputClass } from "@/components/ui";

// Only same-site paths: never redirect to another origin after sign-in.
const safeCallback = (url: string | null | undefined) => safeCallbackPath(url);

export function SignInForm({ callbackUrl, initialError, github }: { callbackUrl?: string; initialError?: string; github: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | undefined>(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(undefined);
    const res = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
    });
    setPending(false);
    if (!res || res.error) {
      setError(res?.error && res.error !== "CredentialsSignin" ? res.error : "Wrong email or password.");
      return;
    }
    router.push(safeCallback(callbackUrl));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error ? <Alert>{error}</Alert> : null}
      <Field label="Email" name="email">
        <input id="email" name="email" type="email" autoComplete="email" required className={inputClass} />
      </Field>
      <Field label="Password" name="password">
        <input id="password" name="password" type="password" autoComplete="current-password" required className={inputClass} />
      </Field>
      <button type="submit" disabled={pending} className={buttonClass("primary", "w-full")}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
      {github ? (
        <button type="button" onClick={() => signIn("github", { callbackUrl: safeCallback(callbackUrl) })} className={buttonClass("secondary", "w-full")}>
          Continue with GitHub
        </button>
      ) : null}
      <p className="text-center text-sm text-slate-600">
        New here?{" "}
        <Link href={`/signup${callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ""}`} className="font-semibold text-brand-600 hover:underline">
          Create an account
        </Link>
      </p>
    </form>
  );
}

export function SignUpForm({ callbackUrl }: { callbackUrl?: string }) {
  const router = useRouter();
  const [error, setError] = useState<string>();
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const body = {
      name: String(form.get("name") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    };
    const problem = passwordProblem(body.password, body.email);
    if (problem) {
      setFieldErrors({ password: [problem] });
      setError(undefined);
      return;
    }
    setPending(true);
    setError(undefined);
    setFieldErrors({});
    const res = await fetch("/api/signup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) {
      const data = (await res.json().catch(() => null)) as { error?: { message?: string; details?: { fieldErrors?: Record<string, string[]> } } } | null;
      setPending(false);
      setError(data?.error?.message ?? "Could not create the account.");
      setFieldErrors(data?.error?.details?.fieldErrors ?? {});
      return;
    }
    const signed = await signIn("credentials", { email: body.email, password: body.password, redirect: false });
    setPending(false);
    if (!signed || signed.error) {
      setError("Your account was created, but signing in failed. Try signing in.");
      return;
    }
    router.push(safeCallback(callbackUrl));
    router.refresh();
  }


  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {error ? <Alert>{error}</Alert> : null}
      <Field label="Name" name="name" error={fieldErrors.name}>
        <input id="name" name="name" autoComplete="name" required className={inputClass} />
      </Field>
      <Field label="Email" name="email" error={fieldErrors.email}>
        <input id="email" name="email" type="email" autoComplete="email" required className={inputClass} />
      </Field>
      <Field label="Password" name="password" error={fieldErrors.password} hint={`At least ${PASSWORD_MIN_LENGTH} characters, with a digit or symbol.`}>
        <input id="password" name="password" type="password" autoComplete="new-password" required minLength={PASSWORD_MIN_LENGTH} className={inputClass} />
      </Field>
      <button type="submit" disabled={pending} className={buttonClass("primary", "w-full")}>
        {pending ? "Creating account…" : "Create account"}
      </button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/signin" className="font-semibold text-brand-600 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
