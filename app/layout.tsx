import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";
import { SiteHeader } from "@/components/site-header";
import { clientEnv } from "@/lib/env.client";

// Every page is rendered per request: the CSP nonce (proxy.ts) must be on its scripts, and
// pages depend on who is asking anyway (ADR 001).
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: clientEnv.NEXT_PUBLIC_APP_NAME, template: `%s · ${clientEnv.NEXT_PUBLIC_APP_NAME}` },
  description: "Online courses with protected video lessons.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <SiteHeader />
        <main className="mx-auto w-full max-w-6xl px-4 py-8 sm:px-6 lg:px-8">{children}</main>
        <footer className="border-t border-slate-200 py-8 text-center text-sm text-slate-500">
          {clientEnv.NEXT_PUBLIC_APP_NAME} · course media for enrolled students only
        </footer>
      </body>
    </html>
  );
}
