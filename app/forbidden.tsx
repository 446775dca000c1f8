import { AccessDenied } from "@/components/access-denied";
import { PageForbidden } from "@/components/forbidden-panel";
import { currentDenial } from "@/lib/http/denial";

/** Rendered with HTTP 403 when a page calls denyPage() (lib/http/denial.ts). */
export default async function Forbidden() {
  const denial = await currentDenial();
  if (denial?.kind === "course-content") return <AccessDenied decision={denial.decision} course={denial.course} returnTo={denial.returnTo} />;
  return <PageForbidden message={denial?.message ?? "You do not have access to this page."} reason={denial?.kind === "page" ? denial.reason : undefined} />;
}
