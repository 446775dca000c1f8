import type { Metadata } from "next";
import type { ReactNode } from "react";
import { ActionButton } from "@/components/action-button";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { Alert, Badge, ButtonLink, Card, EmptyState, Field, inputClass } from "@/components/ui";
import { cellClass, DataTable } from "@/components/ui/table";
import { enrollmentState, requireCourseManager } from "@/lib/access";
import { listAccessCodes, listCourseEnrollments, listInvitations } from "@/lib/enrollments";
import {
  cancelInvitationAction,
  createAccessCodeAction,
  grantAccessAction,
  restoreAccessAction,
  revokeAccessAction,
  setExpiryAction,
} from "../../../actions";
import { CourseBreadcrumb } from "../../../_components/breadcrumb";
import { NotAnInstructor, NotYourCourse } from "../../../_components/forbidden";
import { formatDate, plural, toDateInputValue } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { instructorGate } from "../../../_lib/gate";

export const metadata: Metadata = { title: "Students" };
export const dynamic = "force-dynamic";

const td = cellClass;

const sourceLabels: Record<string, string> = { FREE: "Free enrolment", GRANT: "Granted", CODE: "Access code" };

export default async function StudentsPage({ params }: { params: Promise<{ courseId: string }> }) {
  const { courseId } = await params;
  const path = `/instructor/courses/${courseId}/students`;
  const gate = await instructorGate(path);
  if (!gate.ok) return <NotAnInstructor email={gate.user.email} />;
  const loaded = await loadForPage(path, async () => {
    const access = await requireCourseManager(gate.user, courseId);
    const [enrollments, invitations, codes] = await Promise.all([
      listCourseEnrollments(gate.user, courseId),
      listInvitations(gate.user, courseId),
      listAccessCodes(gate.user, courseId),
    ]);
    return { course: access.course, enrollments, invitations, codes };
  });
  if (!loaded.ok) return <NotYourCourse message={loaded.message} />;
  const { course, enrollments, invitations, codes } = loaded.value;
  const now = new Date();
  const rows = enrollments.map((e) => ({ ...e, state: enrollmentState(e, now) }));
  const activeCount = rows.filter((r) => r.state === "active").length;

  return (
    <div>
      <CourseBreadcrumb course={course} current="Students" />

      <div className="mb-8 flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
        <div>
          <h1 className="text-3xl font-bold tracking-tight text-slate-900">Students &amp; access</h1>
          <p className="mt-2 text-slate-600">
            {course.title} · {plural(activeCount, "active student")} · {plural(codes.length, "access code")}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <ButtonLink href={`/instructor/courses/${course.id}`} variant="secondary">
            Edit course
          </ButtonLink>
          <ButtonLink href={`/courses/${course.slug}`} variant="ghost">
            View course page
          </ButtonLink>
        </div>
      </div>

      {!course.published ? (
        <div className="mb-6">
          <Alert tone="amber">
            This course is a draft. Students you grant access to will see it once it is published, and access codes can only be redeemed after publishing.
          </Alert>
        </div>
      ) : null}

      {/* ---- enrolments ---- */}
      <section aria-labelledby="enrolments-heading" className="space-y-4">
        <h2 id="enrolments-heading" className="text-xl font-semibold text-slate-900">
          Enrolments
        </h2>

        <Card className="p-5">
          <h3 className="text-base font-semibold text-slate-900">Grant access</h3>
          <p className="mt-1 text-sm text-slate-600">
            Enrol a student by email. Granting again re-activates a revoked or expired enrolment. An email without an account gets an invitation: access
            starts when someone signs up with it (until then it grants nothing).
          </p>
          <ActionForm action={grantAccessAction.bind(null, course.id)} className="mt-4 space-y-3" testId="grant-form">
            <div className="grid gap-4 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_auto] sm:items-start">
              <Field label="Student email" htmlFor="grant-email" name="email">
                <input id="grant-email" name="email" type="email" autoComplete="off" placeholder="student@example.com" className={inputClass} />
              </Field>
              <ExpiryField id="grant-expires" label="Access expires (optional)" hint="Access ends at the start of this day (UTC). Empty: no end." />
              <RowSubmit from="sm" pendingText="Granting…">
                Grant access
              </RowSubmit>
            </div>
          </ActionForm>
        </Card>

        {invitations.length > 0 ? (
          <DataTable testId="invitations-table" caption="Pending invitations (no account yet)" columns={["Email", "Access expires", "Invited", ""]} showCaption>
            {invitations.map((i) => (
              <tr key={i.id} data-testid="invitation-row" data-email={i.email}>
                <td className={`${td} font-medium text-slate-900`}>{i.email}</td>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{i.expiresAt ? formatDate(i.expiresAt) : "Never"}</td>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{formatDate(i.createdAt)}</td>
                <td className={`${td} text-right`}>
                  <ActionButton action={cancelInvitationAction.bind(null, course.id, i.id)} variant="ghost" pendingText="Cancelling…">
                    <span className="text-red-700">Cancel invitation</span>
                  </ActionButton>
                </td>
              </tr>
            ))}
          </DataTable>
        ) : null}

        {rows.length === 0 ? (
          <EmptyState title="No students yet" testId="no-enrollments">
            {course.isFree
              ? "Students enrol themselves from the course page once it is published. You can also grant access above."
              : "Grant access above, or create an access code below and share it with your students."}
          </EmptyState>
        ) : (
          <DataTable testId="enrollments-table" caption={<>Enrolments in {course.title}</>} columns={["Student", "Status", "Source", "Expires", "Enrolled", ""]}>
            {rows.map((e) => (
              <tr key={e.id} data-testid="enrollment-row" data-email={e.user.email} data-status={e.status} data-state={e.state}>
                <td className={`${td} whitespace-nowrap`}>
                  <div className="font-medium text-slate-900">{e.user.name}</div>
                  <div className="text-slate-500">{e.user.email}</div>
                </td>
                <td className={td}>
                  {e.state === "active" ? (
                    <Badge tone="green">Active</Badge>
                  ) : e.state === "revoked" ? (
                    <Badge tone="red">Revoked</Badge>
                  ) : (
                    <Badge tone="amber">Expired</Badge>
                  )}
                  {e.state === "revoked" && e.revokedAt ? (
                    <div className="mt-1 whitespace-nowrap text-xs text-slate-500">on {formatDate(e.revokedAt)}</div>
                  ) : null}
                </td>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{sourceLabels[e.source] ?? e.source}</td>
                <td className={`${td} whitespace-nowrap text-slate-600`} data-testid="enrollment-expiry">
                  {e.expiresAt ? formatDate(e.expiresAt) : "Never"}
                </td>
                <td className={`${td} whitespace-nowrap text-slate-600`}>{formatDate(e.createdAt)}</td>
                <td className={`${td} min-w-[22rem]`}>
                  <div className="flex flex-wrap items-start justify-end gap-2">
                    <ActionForm action={setExpiryAction.bind(null, course.id, e.id)} className="flex flex-wrap items-center gap-2" testId="expiry-form">
                      <label htmlFor={`expiry-${e.id}`} className="sr-only">
                        New expiry for {e.user.email}
                      </label>
                      <div className="w-40 shrink-0">
                        <input
                          id={`expiry-${e.id}`}
                          name="expiresAt"
                          type="date"
                          defaultValue={toDateInputValue(e.expiresAt)}
                          title="Leave empty to remove the expiry"
                          className={inputClass}
                        />
                      </div>
                      <SubmitButton variant="secondary" pendingText="Saving…">
                        Set expiry
                      </SubmitButton>
                    </ActionForm>
                    {e.status === "ACTIVE" ? (
                      <ActionButton
                        action={revokeAccessAction.bind(null, course.id, e.id)}
                        variant="ghost"
                        pendingText="Revoking…"
                        confirm={`Revoke ${e.user.email}'s access to “${course.title}”? They lose access immediately, including videos already open.`}
                      >
                        <span className="text-red-700">Revoke</span>
                      </ActionButton>
                    ) : (
                      <ActionButton
                        action={restoreAccessAction.bind(null, course.id, e.user.email)}
                        variant="ghost"
                        pendingText="Restoring…"
                        className="whitespace-nowrap"
                      >
                        Restore access
                      </ActionButton>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </section>

      {/* ---- access codes ---- */}
      <section aria-labelledby="codes-heading" className="mt-12 space-y-4">
        <h2 id="codes-heading" className="text-xl font-semibold text-slate-900">
          Access codes
        </h2>

        <Card className="p-5">
          <h3 className="text-base font-semibold text-slate-900">Create access code</h3>
          <p className="mt-1 text-sm text-slate-600">
            Codes are generated for you (a prefix of your choice, then 16 random characters) and listed below. Students redeem a code on the Redeem
            page to enrol; each redemption uses one use.
          </p>
          {/* A created code clears the form and stays in its message (the code was generated: this is where it is shown first); an error keeps what was typed. */}
          <ActionForm action={createAccessCodeAction.bind(null, course.id)} resetOnSuccess className="mt-4 space-y-3" testId="code-form">
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)_auto] lg:items-start">
              <Field
                label="Prefix (optional)"
                htmlFor="code-prefix"
                name="prefix"
                hint="Up to 12 letters or digits, to recognise the code. The rest is random, generated for you."
              >
                <input
                  id="code-prefix"
                  name="prefix"
                  autoComplete="off"
                  spellCheck={false}
                  maxLength={12}
                  placeholder="SPRING26"
                  aria-describedby="code-prefix-hint"
                  className={`${inputClass} font-mono uppercase`}
                />
              </Field>
              <Field label="Max uses" htmlFor="code-max-uses" name="maxUses">
                <input id="code-max-uses" name="maxUses" type="number" min={1} defaultValue={10} className={inputClass} />
              </Field>
              <ExpiryField id="code-expires" label="Code expires (optional)" hint="Start of this day (UTC)." />
              <RowSubmit from="lg" pendingText="Creating…">
                Create code
              </RowSubmit>
            </div>
          </ActionForm>
        </Card>

        {codes.length === 0 ? (
          <EmptyState title="No access codes yet" testId="no-access-codes">Create a code above and share it with the students who should get this course.</EmptyState>
        ) : (
          <DataTable testId="access-codes-table" caption={<>Access codes for {course.title}</>} columns={["Code", "Uses", "Status", "Expires", "Created"]}>
            {codes.map((c) => {
              const expired = c.expiresAt !== null && c.expiresAt <= now;
              const usedUp = c.uses >= c.maxUses;
              return (
                <tr key={c.id} data-testid="access-code-row" data-code={c.code}>
                  <td className={`${td} font-mono font-semibold text-slate-900`}>{c.code}</td>
                  <td className={`${td} tabular-nums text-slate-600`} data-testid="access-code-uses">
                    {c.uses} / {c.maxUses}
                  </td>
                  <td className={td}>
                    {expired ? <Badge tone="amber">Expired</Badge> : usedUp ? <Badge>Used up</Badge> : <Badge tone="green">Active</Badge>}
                  </td>
                  <td className={`${td} whitespace-nowrap text-slate-600`}>{c.expiresAt ? formatDate(c.expiresAt) : "Never"}</td>
                  <td className={`${td} whitespace-nowrap text-slate-600`}>{formatDate(c.createdAt)}</td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </section>
    </div>
  );
}

/** The submit button at the end of a form laid out as one row from the `from` breakpoint on (aligned with the inputs). */
function RowSubmit({ from, pendingText, children }: { from: "sm" | "lg"; pendingText: string; children: ReactNode }) {
  const [cell, button] = from === "sm" ? ["sm:pt-6", "w-full sm:w-auto"] : ["lg:pt-6", "w-full lg:w-auto"];
  return (
    <div className={cell}>
      <SubmitButton pendingText={pendingText} className={button}>
        {children}
      </SubmitButton>
    </div>
  );
}

/** An optional expiry date (`expiresAt`), read as the start of that day in UTC. */
function ExpiryField({ id, label, hint }: { id: string; label: string; hint: string }) {
  return (
    <Field label={label} htmlFor={id} name="expiresAt" hint={hint}>
      <input id={id} name="expiresAt" type="date" aria-describedby={`${id}-hint`} className={inputClass} />
    </Field>
  );
}
