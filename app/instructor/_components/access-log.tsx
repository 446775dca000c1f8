import Link from "next/link";
import { Badge, Button, ButtonLink, Card, EmptyState, SelectField, inputClass, labelClass } from "@/components/ui";
import { ACCESS_EVENT_KINDS, type AccessEventKind } from "@/lib/audit/events";
import { accessLogHref, type AccessLogFilters } from "@/lib/audit/filters";
import type { AccessReport, CourseAccessLog } from "@/lib/audit/log";
import { isoDate, isoMinute, isoSecond, plural } from "@/lib/format";

/** The access log page's parts (ADR 047): filters, events table, suspicious-accounts report. */

export const kindLabels: Record<AccessEventKind, string> = {
  VIDEO_PAGE: "Video player",
  STREAM_SESSION: "Stream cookies",
  PLAYLIST: "Signed playlist",
  CAPTION: "Captions",
  ATTACHMENT: "Download",
  LESSON_PAGE: "Lesson page",
};

const th = "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500";
const td = "px-3 py-2 align-top text-sm";

function Input({ id, label, name, value, type = "text" }: { id: string; label: string; name: string; value?: string; type?: string }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={labelClass}>
        {label}
      </label>
      <input id={id} name={name} type={type} defaultValue={value ?? ""} autoComplete="off" className={inputClass} />
    </div>
  );
}

/** A GET form: the filters live in the page's query string, so a filtered view can be linked. */
export function AccessLogFilterForm({ courseId, filters, lessons }: { courseId: string; filters: AccessLogFilters; lessons: { id: string; title: string }[] }) {
  return (
    <Card className="p-5">
      <form method="get" action={accessLogHref(courseId)} className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" data-testid="access-log-filters">
        <SelectField id="f-lesson" label="Lesson" name="lesson" value={filters.lesson} options={[["", "All lessons"], ...lessons.map((l): [string, string] => [l.id, l.title])]} />
        <Input id="f-user" label="Student email" name="user" type="email" value={filters.user} />
        <SelectField id="f-kind" label="Kind" name="kind" value={filters.kind} options={[["", "All kinds"], ...ACCESS_EVENT_KINDS.map((k): [string, string] => [k, kindLabels[k]])]} />
        <SelectField
          id="f-outcome"
          label="Outcome"
          name="outcome"
          value={filters.outcome}
          options={[
            ["", "Granted and denied"],
            ["GRANTED", "Granted"],
            ["DENIED", "Denied"],
          ]}
        />
        <Input id="f-from" label="From (UTC day)" name="from" type="date" value={filters.from} />
        <Input id="f-to" label="To (UTC day, included)" name="to" type="date" value={filters.to} />
        <div className="flex items-end gap-2 sm:col-span-2 lg:col-span-3">
          <Button type="submit">Filter</Button>
          <ButtonLink href={accessLogHref(courseId)} variant="ghost">
            Clear
          </ButtonLink>
        </div>
      </form>
    </Card>
  );
}

/** The events, newest first, with links to older pages. */
export function AccessLogTable({ courseId, log }: { courseId: string; log: CourseAccessLog }) {
  const titles = new Map(log.lessons.map((l) => [l.id, l.title]));
  if (!log.events.length) {
    return (
      <EmptyState title="No events" testId="access-log-empty">
        Nothing matches these filters. Events appear when students open lessons, play videos and download files.
      </EmptyState>
    );
  }
  return (
    <div className="space-y-3">
      <Card className="overflow-x-auto">
        <table className="min-w-full divide-y divide-slate-200" data-testid="access-log-table">
          <caption className="sr-only">Media access events, newest first</caption>
          <thead className="bg-slate-50">
            <tr>
              {["Time (UTC)", "User", "Lesson", "Kind", "Outcome", "IP address", "User agent"].map((c) => (
                <th key={c} scope="col" className={th}>
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {log.events.map((e) => (
              <tr key={e.id} data-testid="access-event" data-kind={e.kind} data-outcome={e.outcome} data-email={e.user?.email ?? ""}>
                <td className={`${td} whitespace-nowrap tabular-nums text-slate-600`}>{isoSecond(e.at)}</td>
                <td className={td}>
                  {e.user ? (
                    <>
                      <div className="font-medium text-slate-900">{e.user.name}</div>
                      <div className="text-slate-500">{e.user.email}</div>
                    </>
                  ) : (
                    <span className="text-slate-500">Visitor (signed out)</span>
                  )}
                </td>
                <td className={`${td} text-slate-700`}>{e.lessonId ? (titles.get(e.lessonId) ?? <em className="text-slate-400">deleted lesson</em>) : "—"}</td>
                <td className={`${td} whitespace-nowrap text-slate-700`}>{kindLabels[e.kind]}</td>
                <td className={`${td} whitespace-nowrap`}>
                  {e.outcome === "GRANTED" ? <Badge tone="green">Granted</Badge> : <Badge tone="red">Denied</Badge>}
                  <div className="mt-1 text-xs text-slate-500">{e.reason}</div>
                </td>
                <td className={`${td} whitespace-nowrap font-mono text-xs text-slate-700`}>{e.ip ?? "—"}</td>
                <td className={`${td} max-w-xs truncate text-xs text-slate-500`} title={e.userAgent ?? undefined}>
                  {e.userAgent ?? "—"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <nav className="flex justify-between text-sm" aria-label="Pages">
        {log.filters.before ? (
          <Link href={accessLogHref(courseId, { ...log.filters, before: undefined })} className="font-medium text-brand-700 hover:underline">
            ← Newest events
          </Link>
        ) : (
          <span />
        )}
        {log.olderBefore ? (
          <Link href={accessLogHref(courseId, { ...log.filters, before: log.olderBefore })} className="font-medium text-brand-700 hover:underline" rel="next">
            Older events →
          </Link>
        ) : null}
      </nav>
    </div>
  );
}

/** Accounts that got media from many addresses or in concurrent sessions, each linking to its events. */
export function AccessReportCard({ courseId, report }: { courseId: string; report: AccessReport }) {
  const { rules } = report;
  return (
    <Card className="p-5" data-testid="access-report">
      <h2 className="text-base font-semibold text-slate-900">Accounts to check</h2>
      <p className="mt-1 text-sm text-slate-600">
        Since {isoMinute(report.since)} UTC (last {plural(rules.windowHours, "hour")}): students who got this course&apos;s media from {rules.minIps} or more IP
        addresses, or in {rules.minSessions} or more sign-in sessions within {rules.concurrencyMinutes} minutes. Often a shared account; sometimes a phone
        switching networks.
      </p>
      {report.accounts.length === 0 ? (
        <p className="mt-3 text-sm text-slate-500" data-testid="access-report-empty">
          No account stands out.
        </p>
      ) : (
        <ul className="mt-4 divide-y divide-slate-100">
          {report.accounts.map((a) => (
            <li key={a.userId} className="flex flex-wrap items-start justify-between gap-3 py-3" data-testid="flagged-account" data-email={a.user?.email ?? ""}>
              <div className="min-w-0">
                <div className="font-medium text-slate-900">{a.user?.name ?? a.userId}</div>
                <div className="text-sm text-slate-500">{a.user?.email}</div>
                <div className="mt-1 flex flex-wrap gap-2 text-xs">
                  <Badge tone={a.manyIps ? "red" : "slate"}>
                    <span data-testid="flagged-ips">{plural(a.ips.length, "IP address", "IP addresses")}</span>
                  </Badge>
                  <Badge tone={a.manySessions ? "red" : "slate"}>
                    <span data-testid="flagged-sessions">{plural(a.concurrentSessions, "concurrent session")}</span>
                  </Badge>
                  <Badge>{plural(a.grants, "grant")}</Badge>
                </div>
                <p className="mt-1 font-mono text-xs text-slate-500">{a.ips.slice(0, 6).join(", ")}{a.ips.length > 6 ? ", …" : ""}</p>
              </div>
              {a.user ? (
                <ButtonLink href={accessLogHref(courseId, { user: a.user.email, from: isoDate(report.since) })} variant="secondary">
                  See their events
                </ButtonLink>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
