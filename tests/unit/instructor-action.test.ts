import { beforeEach, describe, expect, it, vi } from "vitest";

const calls = vi.hoisted(() => ({ revalidated: [] as string[] }));
vi.mock("@/lib/auth/session", () => ({ getCurrentUser: async () => ({ id: "u1", role: "INSTRUCTOR", email: "i@example.com", name: "I" }) }));
vi.mock("next/cache", () => ({ revalidatePath: (path: string, type?: string) => calls.revalidated.push(`${path}:${type}`) }));

const { instructorAction, instructorFormAction } = await import("@/lib/http/action");
const { ForbiddenError, ValidationError } = await import("@/lib/errors");

const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.set(k, v);
  return f;
};

beforeEach(() => {
  calls.revalidated.length = 0;
});

describe("instructor actions (lib/http/action)", () => {
  it("calls the domain with the signed-in user and the bound arguments, refreshes every page and says what happened", async () => {
    const seen: unknown[] = [];
    const action = instructorFormAction(async (user, f, courseId: string) => {
      seen.push(user?.id, f.get("title"), courseId);
      return { title: String(f.get("title")) };
    }, { message: (v, courseId) => `Saved ${v.title} in ${courseId}.` });
    expect(await action("c1", null, form({ title: "Intro" }))).toEqual({ ok: true, message: "Saved Intro in c1." });
    expect(seen).toEqual(["u1", "Intro", "c1"]);
    expect(calls.revalidated).toEqual(["/:layout"]);
  });

  it("maps domain errors to the result without refreshing; forms summarize field errors", async () => {
    const invalid = () => Promise.reject(new ValidationError("title: Enter a title.", { title: ["Enter a title."] }));
    expect(await instructorFormAction(invalid)(null, form({}))).toEqual({
      ok: false,
      error: "Please fix the fields marked below.",
      fieldErrors: { title: ["Enter a title."] },
    });
    expect(await instructorFormAction(invalid, { summarize: false })(null, form({}))).toMatchObject({ ok: false, error: "title: Enter a title." });
    expect(await instructorAction(() => Promise.reject(new ForbiddenError("Only the course's instructors can do this.")))()).toEqual({
      ok: false,
      error: "Only the course's instructors can do this.",
    });
    vi.spyOn(console, "error").mockImplementationOnce(() => {});
    expect(await instructorAction(() => Promise.reject(new Error("db down")))()).toEqual({ ok: false, error: "Something went wrong on our side. Nothing was changed." });
    expect(calls.revalidated).toEqual([]);
  });

  it("redirects after a success when asked to", async () => {
    const action = instructorAction(async (_user, courseId: string, _back: boolean) => courseId, {
      redirectTo: (courseId, _id, back) => (back ? `/instructor/courses/${courseId}` : null),
    });
    expect(await action("c1", false)).toEqual({ ok: true, message: undefined });
    const redirected = await action("c1", true).catch((e: { digest?: string }) => e.digest);
    expect(redirected).toContain("/instructor/courses/c1");
    expect(calls.revalidated).toEqual(["/:layout", "/:layout"]);
  });
});
