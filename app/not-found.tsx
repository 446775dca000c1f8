import Link from "next/link";
import { buttonClass } from "@/components/ui";

export default function NotFound() {
  return (
    <section className="mx-auto max-w-xl py-16 text-center">
      <p className="text-sm font-semibold uppercase tracking-wide text-brand-600">404</p>
      <h1 className="mt-2 text-3xl font-bold">We could not find that page</h1>
      <p className="mt-3 text-slate-600">The course or lesson may have moved or is not published.</p>
      <Link href="/courses" className={`${buttonClass("primary")} mt-6`}>
        Browse courses
      </Link>
    </section>
  );
}
