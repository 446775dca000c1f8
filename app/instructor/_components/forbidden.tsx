import Link from "next/link";
import { buttonClass } from "@/components/ui";

/** 403 panel for the instructor area (the page itself answers; the proxy is only a first gate). */
export function InstructorForbidden({ title, detail, back }: { title: string; detail: string; back?: { href: string; label: string } }) {
  return (
    <section
      data-testid="access-denied"
      data-reason="instructor-only"
      className="mx-auto max-w-xl rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200"
    >
      <p className="text-sm font-semibold uppercase tracking-wide text-red-600">403 · Access denied</p>
      <h1 className="mt-2 text-2xl font-bold text-slate-900">{title}</h1>
      <p className="mt-3 text-slate-600">{detail}</p>
      <div className="mt-6 flex flex-wrap justify-center gap-3">
        {back ? (
          <Link className={buttonClass("primary")} href={back.href}>
            {back.label}
          </Link>
        ) : null}
        <Link className={buttonClass("secondary")} href="/courses">
          Browse courses
        </Link>
      </div>
    </section>
  );
}

export function NotAnInstructor({ email }: { email: string }) {
  return (
    <InstructorForbidden
      title="This area is for instructors"
      detail={`You are signed in as ${email}, which is a student account. Ask an administrator for instructor access if you want to teach.`}
    />
  );
}

export function NotYourCourse({ message }: { message: string }) {
  return (
    <InstructorForbidden
      title="You don't teach this course"
      detail={`${message} Ask one of its instructors or an administrator to add you.`}
      back={{ href: "/instructor", label: "Back to your courses" }}
    />
  );
}
