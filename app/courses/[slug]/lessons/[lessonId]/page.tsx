import type { Metadata } from "next";
import Link from "next/link";
import { ActionButton } from "@/components/action-button";
import { LockIcon } from "@/components/icons";
import { LessonBody } from "@/components/lesson-body";
import { Badge, Card } from "@/components/ui";
import { getCurrentUser } from "@/lib/auth/session";
import { lessonViewTitle, loadLessonView } from "@/lib/courses/queries";
import { formatBytes } from "@/lib/format";
import { denyPage } from "@/lib/http/denial";
import { loadForPage } from "@/lib/http/page";
import { requestContext } from "@/lib/http/request-context";
import { VideoPlayer } from "@/components/video-player";
import { setCompletedAction } from "../../../actions";

export const dynamic = "force-dynamic";
// Links to lesson pages never prefetch (here, the course page, the dashboard, the instructor's
// preview): rendering one signs the viewer's media and records it in the access log (ADR 047),
// so only a real visit may.

type Params = Promise<{ slug: string; lessonId: string }>;

/** One load per request: generateMetadata and the page share it (loadLessonView is cached). */
async function load(slug: string, lessonId: string) {
  const user = await getCurrentUser();
  const context = await requestContext();
  return { user, loaded: await loadForPage(`/courses/${slug}/lessons/${lessonId}`, () => loadLessonView(user, slug, lessonId, context)) };
}

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { slug, lessonId } = await params;
  const { loaded } = await load(slug, lessonId);
  return loaded.ok ? { title: lessonViewTitle(loaded.value) } : {};
}

export default async function LessonPage({ params }: { params: Params }) {
  const { slug, lessonId } = await params;
  const { user, loaded } = await load(slug, lessonId);
  if (!loaded.ok) return denyPage();
  const { course, lesson, access, decisions, previous, next, progress, media } = loaded.value;
  const path = `/courses/${course.slug}/lessons/${lesson.id}`;

  // 403 with the reason and what to do (app/forbidden.tsx); nothing of the lesson is rendered.
  if (!access.decision.allowed) return denyPage();
  if (!media) throw new Error("Lesson media is loaded whenever access is allowed.");

  const completed = progress?.completed ?? false;
  return (
    <div className="grid gap-8 lg:grid-cols-4">
      <nav className="order-2 lg:order-1 lg:col-span-1" aria-label="Course outline">
        <Link href={`/courses/${course.slug}`} className="mb-3 block text-sm font-semibold text-brand-700 hover:underline">
          ← {course.title}
        </Link>
        <Card className="max-h-[70vh] overflow-auto p-3 text-sm">
          {course.sections.map((s) => (
            <div key={s.id} className="mb-3">
              <p className="px-2 py-1 text-xs font-semibold uppercase tracking-wide text-slate-500">{s.title}</p>
              <ul>
                {s.lessons.map((l) => {
                  const open = decisions.get(l.id)?.allowed;
                  const current = l.id === lesson.id;
                  return (
                    <li key={l.id}>
                      {open ? (
                        <Link
                          href={`/courses/${course.slug}/lessons/${l.id}`}
                          prefetch={false}
                          aria-current={current ? "page" : undefined}
                          className={`block rounded-md px-2 py-1.5 ${current ? "bg-brand-50 font-semibold text-brand-700" : "text-slate-700 hover:bg-slate-50"}`}
                        >
                          {l.title}
                        </Link>
                      ) : (
                        <span className="flex items-center gap-1.5 px-2 py-1.5 text-slate-400">
                          <LockIcon className="h-3.5 w-3.5 shrink-0" /> {l.title}
                        </span>
                      )}
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </Card>
      </nav>
      <article className="order-1 space-y-6 lg:order-2 lg:col-span-3">
        <header className="flex flex-wrap items-start justify-between gap-4">
          <div>
            <h1 className="text-3xl font-bold tracking-tight" data-testid="lesson-title">
              {lesson.title}
            </h1>
            <div className="mt-2 flex gap-2">
              {lesson.isFreePreview ? <Badge tone="green">Free preview</Badge> : null}
              {completed ? (
                <Badge tone="green">
                  <span data-testid="lesson-completed">Completed</span>
                </Badge>
              ) : null}
            </div>
          </div>
          {user && access.decision.reason !== "free-preview" ? (
            <ActionButton
              action={setCompletedAction.bind(null, lesson.id, path, !completed)}
              variant={completed ? "secondary" : "primary"}
              pendingText="Saving…"
              testId="mark-complete"
            >
              {completed ? "Mark as not complete" : "Mark as complete"}
            </ActionButton>
          ) : null}
        </header>
        {media.video ? (
          <VideoPlayer
            lessonId={lesson.id}
            video={media.video}
            captions={media.captions}
            startAt={progress?.lastPositionSeconds ?? 0}
            trackProgress={Boolean(user) && access.decision.reason !== "free-preview"}
          />
        ) : null}
        <Card className="p-6">
          <LessonBody text={lesson.body ?? ""} />
        </Card>
        {media.attachments.length ? (
          <Card className="p-6">
            <h2 className="mb-3 text-lg font-semibold">Downloads</h2>
            <ul className="space-y-2" data-testid="attachments">
              {media.attachments.map((a) => (
                <li key={a.id} className="flex items-center justify-between gap-4">
                  <a href={a.url} className="font-medium text-brand-700 hover:underline" data-testid="attachment-link" download>
                    {a.fileName}
                  </a>
                  {a.bytes != null ? <span className="text-xs text-slate-500">{formatBytes(a.bytes)}</span> : null}
                </li>
              ))}
            </ul>
          </Card>
        ) : null}
        <div className="flex justify-between gap-4">
          {previous ? (
            <Link href={`/courses/${course.slug}/lessons/${previous.id}`} prefetch={false} className="text-sm font-medium text-brand-700 hover:underline" rel="prev">
              ← {previous.title}
            </Link>
          ) : (
            <span />
          )}
          {next ? (
            <Link href={`/courses/${course.slug}/lessons/${next.id}`} prefetch={false} className="text-sm font-medium text-brand-700 hover:underline" rel="next">
              {next.title} →
            </Link>
          ) : null}
        </div>
      </article>
    </div>
  );
}
