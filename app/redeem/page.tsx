import type { Metadata } from "next";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { Card, Field, inputClass } from "@/components/ui";
import { requireUser } from "@/lib/auth/session";
import { denyPage } from "@/lib/http/denial";
import { loadForPage } from "@/lib/http/page";
import { redeemAction } from "../courses/actions";

export const metadata: Metadata = { title: "Redeem an access code" };

export default async function RedeemPage() {
  const loaded = await loadForPage("/redeem", requireUser);
  if (!loaded.ok) return denyPage();
  return (
    <div className="mx-auto max-w-md">
      <h1 className="mb-2 text-3xl font-bold tracking-tight">Redeem an access code</h1>
      <p className="mb-6 text-slate-600">Enter the code you received from your school or instructor.</p>
      <Card className="p-6">
        <ActionForm action={redeemAction} testId="redeem-form">
          <Field label="Access code" name="code">
            <input id="code" name="code" required autoComplete="off" placeholder="e.g. CLOUD-7K3M-8P2Q-4RST-VWXY" spellCheck={false} className={`${inputClass} font-mono uppercase`} />
          </Field>
          <SubmitButton pendingText="Checking…" className="w-full">
            Redeem
          </SubmitButton>
        </ActionForm>
      </Card>
    </div>
  );
}
