import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ActionForm, FieldError, SubmitButton } from "@/components/action-form";
import { Card, inputClass } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { redeemAction } from "../courses/actions";

export const metadata: Metadata = { title: "Redeem an access code" };

export default async function RedeemPage() {
  if (!(await getCurrentUser())) redirect("/signin?callbackUrl=/redeem");
  return (
    <div className="mx-auto max-w-md">
      <h1 className="mb-2 text-3xl font-bold tracking-tight">Redeem an access code</h1>
      <p className="mb-6 text-slate-600">Enter the code you received from your school or instructor.</p>
      <Card className="p-6">
        <ActionForm action={redeemAction} testId="redeem-form">
          <div className="space-y-1">
            <label htmlFor="code" className="block text-sm font-medium text-slate-700">
              Access code
            </label>
            <input id="code" name="code" required autoComplete="off" placeholder="e.g. SQL-2026-TEAM" className={`${inputClass} uppercase`} />
            <FieldError name="code" />
          </div>
          <SubmitButton pendingText="Checking…" className="w-full">
            Redeem
          </SubmitButton>
        </ActionForm>
      </Card>
    </div>
  );
}
