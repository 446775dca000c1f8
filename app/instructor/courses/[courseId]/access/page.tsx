import type { Metadata } from "next";
import { ButtonLink } from "@/components/ui";
import { courseAccessLog } from "@/lib/audit/log";
import { loadForPage } from "@/lib/http/page";
import { AccessLogFilterForm, AccessLogTable, AccessReportCard } from "../../../_components/access-log";
import { CourseBreadcrumb } from "../../../_components/breadcrumb";
import { NotAnInstructor, NotYourCourse } from "../../../_components/forbidden";
import { instructorGate } from "../../../_lib/gate";

export const metadata: Metadata = { title: "Access log" };
export const dynamic = "force-dynamic";

/**
 * The course's access audit log (ADR 047), for its instructors and administrators: who got
 * which media, or was refused, from where; filtered by the query string; and the report of
 * accounts to check.
 */
export default async function AccessLogPage({
  params,
  searchParams,
}: {
  params: Promise<{ courseId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { courseId } = await params;
  const query = await searchParams;
  const path = `/instructor/courses/${courseId}/access`;
  const gate = await instructorGate(path);
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;
  const loaded = await loadForPage(path, () => courseAccessLog(gate.user, courseId, query));
  if (!loaded.ok) return <NotYourCourse message={loaded.message} />;
  const log = loaded.value;
  const { course } = log;

  return (
    <div className="space-y-6">
      <CourseBreadcrumb course={course} current="Access log" />

      <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-3xl font-bold tracking-tight text-slate-900">Access log</h1>
          <p className="mt-2 max-w-3xl text-slate-600">
            Every time this course&apos;s media was handed out (player, stream cookies, playlists, captions, downloads) or refused, with the account, IP
            address and browser. Only the course&apos;s instructors and administrators see it; events are deleted after the retention period.
          </p>
        </div>
        <ButtonLink href={`/instructor/courses/${course.id}/students`} variant="secondary">
          Students &amp; access
        </ButtonLink>
      </div>

      <AccessReportCard courseId={course.id} report={log.report} />
      <AccessLogFilterForm courseId={course.id} filters={log.filters} lessons={log.lessons} />
      <AccessLogTable courseId={course.id} log={log} />
    </div>
  );
}
