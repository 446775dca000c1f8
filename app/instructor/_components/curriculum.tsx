import Link from "next/link";
import { ActionButton } from "@/components/action-button";
import { ActionForm, SubmitButton } from "@/components/action-form";
import { Badge, Button, Card, EmptyState, Field, inputClass } from "@/components/ui";
import type { ActionResult } from "@/lib/http/action-result";
import {
  addLessonAction,
  addSectionAction,
  deleteLessonAction,
  deleteSectionAction,
  moveLessonAction,
  moveSectionAction,
  renameSectionAction,
} from "../actions";
import { formatDateTime, plural } from "@/lib/format";
import { ArrowDownIcon, ArrowUpIcon, PencilIcon, TrashIcon } from "./icons";

export interface CurriculumLesson {
  id: string;
  title: string;
  body: string;
  isFreePreview: boolean;
  availableFrom: Date | null;
}

export interface CurriculumSection {
  id: string;
  title: string;
  lessons: CurriculumLesson[];
}

type BoundAction = () => Promise<ActionResult<unknown>>;

function MoveButtons({ what, up, down }: { what: "section" | "lesson"; up: BoundAction | null; down: BoundAction | null }) {
  const items = [
    { dir: "up", action: up, icon: <ArrowUpIcon />, label: `Move ${what} up` },
    { dir: "down", action: down, icon: <ArrowDownIcon />, label: `Move ${what} down` },
  ] as const;
  return (
    <>
      {items.map(({ dir, action, icon, label }) =>
        action ? (
          <ActionButton key={dir} action={action} variant="ghost" pendingText="…">
            {icon}
            <span className="sr-only">{label}</span>
          </ActionButton>
        ) : (
          <Button key={dir} type="button" variant="ghost" disabled title={`Already ${dir === "up" ? "first" : "last"}`}>
            {icon}
            <span className="sr-only">{label}</span>
          </Button>
        ),
      )}
    </>
  );
}

function LessonRow({
  courseId,
  lesson,
  number,
  first,
  last,
  now,
}: {
  courseId: string;
  lesson: CurriculumLesson;
  number: string;
  first: boolean;
  last: boolean;
  now: Date;
}) {
  const editHref = `/instructor/courses/${courseId}/lessons/${lesson.id}`;
  const drip = lesson.availableFrom;
  return (
    <li data-testid="lesson-row" data-lesson-id={lesson.id} className="flex flex-col gap-2 px-5 py-3 sm:flex-row sm:items-center sm:gap-4">
      <div className="flex min-w-0 flex-1 items-start gap-3">
        <span className="mt-0.5 w-8 shrink-0 text-sm tabular-nums text-slate-400">{number}</span>
        <div className="min-w-0 space-y-1">
          <Link href={editHref} className="block truncate font-medium text-slate-900 hover:text-brand-700 hover:underline" data-testid="lesson-title">
            {lesson.title}
          </Link>
          <div className="flex flex-wrap gap-1.5">
            {lesson.isFreePreview ? (
              <span data-testid="preview-badge">
                <Badge tone="green">Free preview</Badge>
              </span>
            ) : null}
            {drip ? (
              <span data-testid="drip-badge">
                <Badge tone={drip > now ? "amber" : "slate"}>
                  {drip > now ? "Opens" : "Opened"} {formatDateTime(drip)}
                </Badge>
              </span>
            ) : null}
            {lesson.body.trim() === "" ? <Badge>No notes yet</Badge> : null}
          </div>
        </div>
      </div>
      <div className="flex flex-wrap items-start gap-1 pl-11 sm:pl-0">
        <Link
          href={editHref}
          className="inline-flex items-center gap-1.5 rounded-lg px-3 py-2 text-sm font-semibold text-brand-700 hover:bg-brand-50"
          aria-label={`Edit lesson ${lesson.title}`}
        >
          <PencilIcon />
          Edit
        </Link>
        <MoveButtons
          what="lesson"
          up={first ? null : moveLessonAction.bind(null, courseId, lesson.id, "up")}
          down={last ? null : moveLessonAction.bind(null, courseId, lesson.id, "down")}
        />
        <ActionButton
          action={deleteLessonAction.bind(null, courseId, lesson.id, false)}
          variant="ghost"
          pendingText="Deleting…"
          confirm={`Delete the lesson “${lesson.title}”? Its notes and students' progress in it are removed. This cannot be undone.`}
        >
          <span className="text-red-600">
            <TrashIcon />
          </span>
          <span className="sr-only">Delete lesson</span>
        </ActionButton>
      </div>
    </li>
  );
}

function SectionCard({
  courseId,
  section,
  index,
  count,
  now,
}: {
  courseId: string;
  section: CurriculumSection;
  index: number;
  count: number;
  now: Date;
}) {
  const titleId = `section-${section.id}-title`;
  const lessonCount = section.lessons.length;
  return (
    <section data-testid="section" data-section-id={section.id} aria-labelledby={titleId}>
      <Card className="overflow-hidden">
        <header className="flex flex-col gap-3 border-b border-slate-100 px-5 py-4 sm:flex-row sm:items-start sm:justify-between">
          <div className="min-w-0 flex-1">
            <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">
              Section {index + 1} <span aria-hidden="true">·</span> {plural(lessonCount, "lesson")}
            </p>
            <h3 id={titleId} className="mt-0.5 text-lg font-semibold text-slate-900" data-testid="section-title">
              {section.title}
            </h3>
            <details className="mt-1">
              <summary className="inline-flex cursor-pointer list-none items-center gap-1 text-sm font-medium text-brand-600 hover:underline [&::-webkit-details-marker]:hidden">
                Rename
              </summary>
              <ActionForm action={renameSectionAction.bind(null, courseId, section.id)} className="mt-3 space-y-2" testId="rename-section-form">
                <Field label="Section name" htmlFor={`rename-section-${section.id}`} name="title" className="space-y-2">
                  <div className="flex flex-col gap-2 sm:flex-row">
                    <input id={`rename-section-${section.id}`} name="title" defaultValue={section.title} autoComplete="off" className={inputClass} />
                    <SubmitButton variant="secondary" pendingText="Saving…" className="shrink-0">
                      Save name
                    </SubmitButton>
                  </div>
                </Field>
              </ActionForm>
            </details>
          </div>
          <div className="flex flex-wrap items-start gap-1">
            <MoveButtons
              what="section"
              up={index === 0 ? null : moveSectionAction.bind(null, courseId, section.id, "up")}
              down={index === count - 1 ? null : moveSectionAction.bind(null, courseId, section.id, "down")}
            />
            <ActionButton
              action={deleteSectionAction.bind(null, courseId, section.id)}
              variant="ghost"
              pendingText="Deleting…"
              confirm={
                lessonCount
                  ? `Delete the section “${section.title}” and its ${plural(lessonCount, "lesson")}? Students' progress in those lessons is removed too. This cannot be undone.`
                  : `Delete the empty section “${section.title}”?`
              }
            >
              <span className="text-red-600">
                <TrashIcon />
              </span>
              <span className="sr-only">Delete section</span>
            </ActionButton>
          </div>
        </header>

        {lessonCount === 0 ? (
          <p className="px-5 py-6 text-center text-sm text-slate-500" data-testid="empty-section">
            No lessons in this section yet. Add the first one below.
          </p>
        ) : (
          <ol className="divide-y divide-slate-100" aria-label={`Lessons of ${section.title}`}>
            {section.lessons.map((lesson, i) => (
              <LessonRow
                key={lesson.id}
                courseId={courseId}
                lesson={lesson}
                number={`${index + 1}.${i + 1}`}
                first={i === 0}
                last={i === lessonCount - 1}
                now={now}
              />
            ))}
          </ol>
        )}

        <div className="border-t border-slate-100 bg-slate-50 px-5 py-4">
          {/* Keyed by the lesson count: a successful add remounts the form (clears the input); an error keeps it. */}
          <ActionForm
            key={`add-lesson-${lessonCount}`}
            action={addLessonAction.bind(null, courseId, section.id)}
            className="space-y-2"
            testId="add-lesson-form"
          >
            <Field label="Lesson title" htmlFor={`new-lesson-${section.id}`} name="title" className="space-y-2">
              <div className="flex flex-col gap-2 sm:flex-row">
                <input id={`new-lesson-${section.id}`} name="title" autoComplete="off" placeholder="e.g. Installing the tools" className={inputClass} />
                <SubmitButton variant="secondary" pendingText="Adding…" className="shrink-0">
                  Add lesson
                </SubmitButton>
              </div>
            </Field>
          </ActionForm>
        </div>
      </Card>
    </section>
  );
}

/** The course's sections and lessons, in order, with every editing control. */
export function Curriculum({ courseId, sections, now }: { courseId: string; sections: CurriculumSection[]; now: Date }) {
  return (
    <div className="space-y-4">
      {sections.length === 0 ? (
        <EmptyState title="No sections yet" testId="no-sections">
          Sections group your lessons (e.g. &ldquo;Getting started&rdquo;, &ldquo;Advanced queries&rdquo;). Add the first one below, then add lessons to it.
        </EmptyState>
      ) : (
        sections.map((section, index) => (
          <SectionCard key={section.id} courseId={courseId} section={section} index={index} count={sections.length} now={now} />
        ))
      )}

      <Card className="p-5">
        <ActionForm key={`add-section-${sections.length}`} action={addSectionAction.bind(null, courseId)} className="space-y-2" testId="add-section-form">
          <Field label="Section title" htmlFor="new-section-title" name="title" className="space-y-2">
            <div className="flex flex-col gap-2 sm:flex-row">
              <input id="new-section-title" name="title" autoComplete="off" placeholder="e.g. Getting started" className={inputClass} />
              <SubmitButton pendingText="Adding…" className="shrink-0">
                Add section
              </SubmitButton>
            </div>
          </Field>
        </ActionForm>
      </Card>
    </div>
  );
}
