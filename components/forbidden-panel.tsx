import Link from "next/link";
import type { ReactNode } from "react";
import { buttonClass } from "@/components/ui";

/**
 * The 403 panel every page shows when access is denied: what happened, why, and what the
 * person can do (`children`: primary actions, before the secondary `back` link).
 */
export function ForbiddenPanel({
  title,
  detail,
  reason,
  back = { href: "/courses", label: "Browse courses" },
  children,
}: {
  title: string;
  detail: string;
  reason?: string;
  back?: { href: string; label: string };
  children?: ReactNode;
}) {
  return (
    <section data-testid="access-denied" data-reason={reason} className="mx-auto max-w-xl rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold uppercase tracking-wide text-red-600">403 · Access denied</p>
      <h1 className="mt-2 text-2xl font-bold text-slate-900">{title}</h1>
      <p className="mt-3 text-slate-600">{detail}</p>
      <div className="mt-6 flex flex-wrap justify-center gap-3">
        {children}
        <Link className={buttonClass("secondary")} href={back.href}>
          {back.label}
        </Link>
      </div>
    </section>
  );
}

/** A page's 403 panel for a denial without a more specific explanation. */
export function PageForbidden({ message, reason }: { message: string; reason?: string }) {
  return <ForbiddenPanel title="You do not have access to this page" detail={message} reason={reason} />;
}
