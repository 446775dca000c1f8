import Link from "next/link";
import { buttonClass } from "@/components/ui";

const reasons: Record<string, { title: string; detail: string }> = {
  "instructor-only": {
    title: "This area is for instructors",
    detail: "Your account is a student account. Ask an administrator for instructor access if you want to teach.",
  },
};

export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ reason?: string }> }) {
  const { reason } = await searchParams;
  const r = (reason && reasons[reason]) || { title: "You do not have access to this page", detail: "Sign in with an account that has access, or go back to the catalogue." };
  return (
    <section data-testid="access-denied" className="mx-auto max-w-xl rounded-2xl bg-white p-8 text-center shadow-sm ring-1 ring-slate-200">
      <p className="text-sm font-semibold uppercase tracking-wide text-red-600">403 · Access denied</p>
      <h1 className="mt-2 text-2xl font-bold">{r.title}</h1>
      <p className="mt-3 text-slate-600">{r.detail}</p>
      <div className="mt-6">
        <Link className={buttonClass("secondary")} href="/courses">
          Browse courses
        </Link>
      </div>
    </section>
  );
}
