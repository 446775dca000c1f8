import { ForbiddenPanel } from "@/components/forbidden-panel";

const reasons: Record<string, { title: string; detail: string }> = {
  "instructor-only": {
    title: "This area is for instructors",
    detail: "Your account is a student account. Ask an administrator for instructor access if you want to teach.",
  },
};

/** Where the proxy sends a signed-in user who may not open an area (its first gate). */
export default async function ForbiddenPage({ searchParams }: { searchParams: Promise<{ reason?: string }> }) {
  const { reason } = await searchParams;
  const r = (reason && reasons[reason]) || { title: "You do not have access to this page", detail: "Sign in with an account that has access, or go back to the catalogue." };
  return <ForbiddenPanel title={r.title} detail={r.detail} />;
}
