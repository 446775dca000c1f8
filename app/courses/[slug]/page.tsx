import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/action-button";
import { CourseCover } from "@/components/course-cover";
import { CheckIcon, LockIcon, PlayIcon } from "@/components/icons";
import { Alert, Badge, ButtonLink, Card } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { getCoursePage } from "@/lib/courses/queries";
import { formatPrice, isoDate } from "@/lib/format";
import { denyPage } from "@/lib/http/denial";
import { loadForPage, signInUrl } from "@/lib/http/page";
import { coverImageUrl } from "@/lib/media/delivery";
import { enrollAction } from "../actions";

export const dynamic = "force-dynamic";
// Lesson links do not prefetch: a lesson render signs media and is recorded in the access log (ADR 047).

async function load(slug: string) {
  const user = await getCurrentUser();
  return { user, loaded: await loadForPage(`/courses/${slug}`, () => getCoursePage(user, slug)) };
}

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  const { loaded } = await load(slug);
  return loaded.ok ? { title: loaded.value.course.title, description: loaded.value.course.summary } : {};
}

export default async function CoursePage({
  params,
  searchParams,
}: {
  params: Promise<{ slug: string }>;
  searchParams: Promise<{ enrolled?: string }>;
}) {
  const { slug } = await params;
  const { enrolled } = await searchParams;
  const { user, loaded } = await load(slug);
  if (!loaded.ok) return denyPage();
  const { course, access, decisions, completed, lessonCount } = loaded.value;
  const firstOpen = course.sections.flatMap((s) => s.lessons).find((l) => decisions.get(l.id)?.allowed);
  const hasAccess = access.decision.allowed;
  const coverUrl = await coverImageUrl(user, access.course, course.cover);
  const reason = access.decision.allowed ? null : access.decision.reason;

  let cta;
  if (hasAccess) {
    cta = firstOpen ? (
      <ButtonLink href={`/courses/${course.slug}/lessons/${firstOpen.id}`} prefetch={false} data-testid="continue">
        {completed.size > 0 ? "Continue learning" : "Start learning"}
      </ButtonLink>
    ) : null;
  } else if (!user) {
    cta = <ButtonLink href={signInUrl(`/courses/${course.slug}`)}>Sign in to enrol</ButtonLink>;
  } else if (reason === "enrollment-revoked") {
    cta = <Alert>Your access to this course was revoked. Contact the instructor if this is a mistake.</Alert>;
  } else if (course.isFree) {
    cta = (
      <ActionButton action={enrollAction.bind(null, course.id, course.slug)} pendingText="Enrolling…" testId="enroll">
        {reason === "enrollment-expired" ? "Enrol again (free)" : "Enrol for free"}
      </ActionButton>
    );
  } else {
    cta = (
      <div className="space-y-2">
        {reason === "enrollment-expired" ? <Alert tone="amber">Your access to this course has expired.</Alert> : null}
        <ButtonLink href="/redeem">Redeem an access code</ButtonLink>
      </div>
    );
  }

  return (
    <div className="grid gap-8 lg:grid-cols-3">
      <div className="space-y-6 lg:col-span-2">
        {enrolled ? <Alert tone="green">Access code accepted: you are enrolled.</Alert> : null}
        {!course.published ? <Alert tone="amber">Draft: only instructors and admins can see this course.</Alert> : null}
        <div>
          <h1 className="text-3xl font-bold tracking-tight">{course.title}</h1>
          <p className="mt-2 text-lg text-slate-600">{course.summary}</p>
          <p className="mt-2 text-sm text-slate-500">
            By {course.instructors.map((i) => i.user.name).join(", ")} · {lessonCount} lessons
          </p>
        </div>
        {course.description ? (
          <Card className="p-6">
            <h2 className="mb-2 text-lg font-semibold">About this course</h2>
            <div className="whitespace-pre-line text-slate-700">{course.description}</div>
          </Card>
        ) : null}
        <Card className="divide-y divide-slate-100" data-testid="syllabus">
          <h2 className="px-6 py-4 text-lg font-semibold">Syllabus</h2>
          {course.sections.map((section, si) => (
            <div key={section.id} className="px-6 py-4">
              <h3 className="mb-2 font-semibold text-slate-800">
                {si + 1}. {section.title}
              </h3>
              <ul className="space-y-1">
                {section.lessons.map((lesson) => {
                  const d = decisions.get(lesson.id);
                  const open = d?.allowed;
                  return (
                    <li key={lesson.id} className="flex items-center justify-between gap-3 rounded-lg px-2 py-1.5 hover:bg-slate-50" data-testid="syllabus-lesson">
                      <span className="flex items-center gap-2">
                        <span className={`flex w-5 justify-center ${completed.has(lesson.id) ? "text-emerald-600" : open ? "text-brand-600" : "text-slate-400"}`}>
                          {completed.has(lesson.id) ? <CheckIcon /> : open ? <PlayIcon /> : <LockIcon />}
                        </span>
                        {open ? (
                          <Link href={`/courses/${course.slug}/lessons/${lesson.id}`} prefetch={false} className="text-slate-800 hover:text-brand-700 hover:underline">
                            {lesson.title}
                          </Link>
                        ) : (
                          <span className="text-slate-500">{lesson.title}</span>
                        )}
                      </span>
                      <span className="flex gap-1">
                        {lesson.isFreePreview ? <Badge tone="green">Free preview</Badge> : null}
                        {d && !d.allowed && d.reason === "not-yet-available" ? (
                          <Badge tone="amber">Opens {d.availableFrom ? isoDate(d.availableFrom) : null}</Badge>
                        ) : null}
                      </span>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </Card>
      </div>
      <aside className="lg:sticky lg:top-24 lg:self-start">
        <Card className="overflow-hidden">
          <CourseCover title={course.title} seed={course.slug} src={coverUrl} />
          <div className="space-y-4 p-6">
            <p className="text-2xl font-bold">{formatPrice(course)}</p>
            {hasAccess && access.decision.allowed && access.decision.reason === "enrolled" ? (
              <p className="text-sm text-emerald-700" data-testid="enrolled-badge">
                You are enrolled · {completed.size}/{lessonCount} lessons complete
              </p>
            ) : null}
            {cta}
            {access.canManage ? (
              <Link href={`/instructor/courses/${course.id}`} className="block text-sm font-medium text-brand-600 hover:underline">
                Edit this course
              </Link>
            ) : null}
          </div>
        </Card>
      </aside>
    </div>
  );
}
