/**
 * The smoke check's account step: sign in with the test account as a browser does (NextAuth's
 * credentials form) and find a lesson page with a video. Its I/O goes through the client passed in.
 */
import { lessonIdOf, lessonPageUrl, type SmokeOptions } from "./args";
import { extractLessonMedia, lessonLinks, type LessonPageMedia } from "./html";
import type { SmokeClient } from "./http";
import { CheckFailure, expect } from "./results";

/** The lesson page the checks use, as the signed-in account got it. */
export interface Lesson {
  pageUrl: URL;
  lessonId: string;
  html: string;
  headers: Headers;
  media: LessonPageMedia;
}

export async function signIn(http: SmokeClient, opts: SmokeOptions): Promise<void> {
  const csrf = await http.request(new URL("/api/auth/csrf", opts.app));
  expect(csrf.status === 200, `GET /api/auth/csrf answered ${csrf.status}`);
  const { csrfToken } = JSON.parse(csrf.text) as { csrfToken?: string };
  expect(typeof csrfToken === "string" && csrfToken, "no csrfToken from /api/auth/csrf");
  const form = new URLSearchParams({
    csrfToken,
    email: opts.email!,
    password: opts.password!,
    callbackUrl: new URL("/dashboard", opts.app).toString(),
    json: "true",
  });
  const callback = await http.request(new URL("/api/auth/callback/credentials", opts.app), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: opts.app.origin },
    body: form.toString(),
  });
  const session = await http.request(new URL("/api/auth/session", opts.app));
  const user = (JSON.parse(session.text || "{}") as { user?: { email?: string } }).user;
  if (user?.email?.toLowerCase() !== opts.email!.toLowerCase()) {
    let reason = `callback answered ${callback.status}`;
    try {
      const url = (JSON.parse(callback.text) as { url?: string }).url;
      const error = url ? new URL(url, opts.app).searchParams.get("error") : null;
      if (error) reason += ` (${error})`;
    } catch {
      // not JSON
    }
    throw new CheckFailure(`signing in as ${opts.email} failed: ${reason}`);
  }
}

async function openLesson(http: SmokeClient, url: URL): Promise<Lesson | { status: number }> {
  const res = await http.request(url);
  if (res.status !== 200) return { status: res.status };
  return { pageUrl: url, lessonId: lessonIdOf(url.pathname)!, html: res.text, headers: res.headers, media: extractLessonMedia(res.text, url) };
}

/** `--lesson`, or a breadth-first walk from the dashboard's lesson links through lesson outlines. */
export async function findLesson(http: SmokeClient, opts: SmokeOptions): Promise<Lesson> {
  if (opts.lesson) {
    const url = lessonPageUrl(opts.app, opts.lesson);
    const lesson = await openLesson(http, url);
    expect("html" in lesson, `the lesson page ${url.pathname} answered ${"status" in lesson ? lesson.status : "?"} for ${opts.email}`);
    expect(lesson.media.manifestUrl, `the lesson page ${url.pathname} has no video`);
    return lesson;
  }
  const dashboard = await http.request(new URL("/dashboard", opts.app));
  expect(dashboard.status === 200, `GET /dashboard answered ${dashboard.status}`);
  const queue = lessonLinks(dashboard.text);
  expect(queue.length > 0, `the dashboard of ${opts.email} links no lesson (enrol the account in a course with a video)`);
  const seen = new Set(queue);
  for (let visited = 0; queue.length > 0 && visited < 40; visited++) {
    const path = queue.shift()!;
    const lesson = await openLesson(http, new URL(path, opts.app));
    if (!("html" in lesson)) continue;
    if (lesson.media.manifestUrl) return lesson;
    for (const link of lessonLinks(lesson.html)) {
      if (!seen.has(link)) {
        seen.add(link);
        queue.push(link);
      }
    }
  }
  throw new CheckFailure(`no lesson with a video is open to ${opts.email} (pass --lesson)`);
}
