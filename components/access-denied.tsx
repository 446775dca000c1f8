import Link from "next/link";
import type { AccessDecision } from "@/lib/access/policy";
import { explainDenial } from "@/lib/access/policy";
import { buttonClass } from "@/components/ui";
import { signInUrl } from "@/lib/http/safe-redirect";
import { ForbiddenPanel } from "./forbidden-panel";

/** The 403 panel of a course's content: says why access is denied and what the person can do about it. */
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
    <ForbiddenPanel title={why.title} detail={why.detail} reason={decision.reason} back={{ href: `/courses/${course.slug}`, label: `Back to “${course.title}”` }}>
      {why.action === "sign-in" ? (
        <Link className={buttonClass("primary")} href={signInUrl(returnTo)}>
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
    </ForbiddenPanel>
  );
}
