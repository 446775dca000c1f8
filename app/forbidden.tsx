import { headers } from "next/headers";
import { AccessDenied } from "@/components/access-denied";
import { PageForbidden } from "@/components/forbidden-panel";
import { getCurrentUser } from "@/lib/auth/session";
import { loadLessonView } from "@/lib/courses/queries";
import { PATH_HEADER } from "@/lib/http/denial";
import { requestContext } from "@/lib/http/request-context";

const LESSON_PATH = /^\/courses\/([^/]+)\/lessons\/([^/]+)\/?$/;

async function deniedLesson(path: string) {
  const lesson = LESSON_PATH.exec(path);
  if (!lesson) return null;
  try {
    // The same arguments as the page (cached user and request context): the page's load is
    // reused, nothing is read or recorded twice.
    return await loadLessonView(await getCurrentUser(), decodeURIComponent(lesson[1]), decodeURIComponent(lesson[2]), await requestContext());
  } catch {
    return null; // not a lesson this viewer may know about: the generic explanation
  }
}

/**
 * Rendered with HTTP 403 when a page calls denyPage() (lib/http/denial.ts). For a lesson it
 * explains the access decision (why, and what to do) from the same cached load as the page.
 */
export default async function Forbidden() {
  const path = (await headers()).get(PATH_HEADER) ?? "";
  const view = await deniedLesson(path);
  if (view && !view.access.decision.allowed) return <AccessDenied decision={view.access.decision} course={view.course} returnTo={path} />;
  return <PageForbidden message="You do not have access to this page." />;
}
