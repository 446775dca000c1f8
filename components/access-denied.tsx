import Link from "next/link";
import type { AccessDecision } from "@/lib/access/policy";
import { explainDenial } from "@/lib/access/policy";
import { buttonClass } from "@/components/ui";

/** The 403 panel: says why access is denied and what the person can do about it. */
export function AccessDenied({
  decision,
  course,
  returnTo,
}: {
  decision: Extract<AccessDecision, { allowed: false }>;
  course: { slug: string; title: string; isFree: boolean };
  returnTo: string;
}) {
  const why = explainDenial(decision, course);
  return (
    <section data-testid="access-denied" data-reason={decision.reason} className="mx-auto max-w-xl rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold uppercase tracking-wide text-red-600">403 · Access denied</p>
      <h1 className="mt-2 text-2xl font-bold text-slate-900">{why.title}</h1>
      <p className="mt-3 text-slate-600">{why.detail}</p>
      <div className="mt-6 flex flex-wrap justify-center gap-3">
        {why.action === "sign-in" ? (
          <Link className={buttonClass("primary")} href={`/signin?callbackUrl=${encodeURIComponent(returnTo)}`}>
            Sign in
          </Link>
        ) : null}
        {why.action === "enrol" ? (
          <Link className={buttonClass("primary")} href={`/courses/${course.slug}`}>
            Go to the course page to enrol
          </Link>
        ) : null}
        {why.action === "redeem" ? (
          <Link className={buttonClass("primary")} href="/redeem">
            Redeem an access code
          </Link>
        ) : null}
        <Link className={buttonClass("secondary")} href={`/courses/${course.slug}`}>
          Back to “{course.title}”
        </Link>
      </div>
    </section>
  );
}
