import type { Metadata } from "next";
import Link from "next/link";
import { Badge, ButtonLink, Card, PageHeader, ProgressBar } from "@/components/ui";
import { PageForbidden } from "@/components/forbidden-panel";
import { requireUser } from "@/lib/auth/session";
import { isoDate } from "@/lib/format";
import { loadForPage } from "@/lib/http/page";
import { getDashboard } from "@/lib/courses/queries";

export const metadata: Metadata = { title: "My learning" };
export const dynamic = "force-dynamic";
// Lesson links do not prefetch: a lesson render signs media and is recorded in the access log (ADR 047).

export default async function DashboardPage() {
  const loaded = await loadForPage("/dashboard", async () => {
    const user = await requireUser();
    return { user, items: await getDashboard(user) };
  });
  if (!loaded.ok) return <PageForbidden message={loaded.message} reason={loaded.reason} />;
  const { user, items } = loaded.value;
  return (
    <div>
      <PageHeader title="My learning" subtitle={`Welcome back, ${user.name}.`} actions={<ButtonLink href="/redeem" variant="secondary">Redeem a code</ButtonLink>} />
      {items.length === 0 ? (
        <Card className="p-10 text-center">
          <p className="text-slate-600">You are not enrolled in any course yet.</p>
          <ButtonLink href="/courses" className="mt-4">
            Browse courses
          </ButtonLink>
        </Card>
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {items.map((item) => (
            <Card key={item.enrollmentId} className="flex flex-col gap-3 p-6" data-testid="dashboard-course">
              <div className="flex items-start justify-between gap-3">
                <Link href={`/courses/${item.course.slug}`} className="text-lg font-semibold hover:text-brand-700">
                  {item.course.title}
                </Link>
                {item.state === "active" ? (
                  item.expiresAt ? <Badge tone="amber">Until {isoDate(item.expiresAt)}</Badge> : <Badge tone="green">Active</Badge>
                ) : item.state === "expired" ? (
                  <Badge tone="red">Expired</Badge>
                ) : (
                  <Badge tone="red">Revoked</Badge>
                )}
              </div>
              <p className="line-clamp-2 text-sm text-slate-600">{item.course.summary}</p>
              <ProgressBar percent={item.percent} label={`${item.course.title} progress`} />
              <p className="text-sm text-slate-600" data-testid="dashboard-progress">
                {item.completed} of {item.total} lessons complete ({item.percent}%)
              </p>
              {item.state === "active" && item.nextLessonId ? (
                <ButtonLink href={`/courses/${item.course.slug}/lessons/${item.nextLessonId}`} prefetch={false} className="self-start">
                  {item.completed ? "Continue" : "Start"}
                </ButtonLink>
              ) : null}
            </Card>
          ))}
        </div>
      )}
    </div>
  );
}
