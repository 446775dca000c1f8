/**
 * Access-control matrix (issue 9, item 6; ADR 048): every page, route handler and server action
 * that touches course content, media or uploads, against each persona, plus the media edge.
 *
 * - The inventory test reads the build (.next): a route or server action that is neither a row
 *   here nor in NOT_COURSE_CONTENT fails it, by name; so does a row whose route or action is gone,
 *   or a route handler method that no row covers (Next answers OPTIONS with the exported methods).
 * - One test per persona runs that persona's cell of every row (so a persona that cannot be set
 *   up fails alone) and checks the status, that nothing protected is shown (lesson text, media
 *   URLs and keys, signed URLs, CloudFront cookies, presigned upload URLs, access codes, a draft)
 *   unless the cell grants, and that granting cells DO show it or DO change the database.
 * - The last test prints the table and `access matrix: R rows × P personas = N cells checked, F failed`.
 *
 * Subject: the demo course "cloud-security" (its media were transcoded by the seed): a paid
 * lesson with video, captions and a worksheet, a free preview, a lesson that opens later; a
 * draft of the same instructor; a sandbox (draft) course with the same staff where authoring
 * actions get fresh targets per cell; the other instructor's own course for "own course id +
 * someone else's child" rows. support/access-matrix.ts creates them once per run. Nothing the
 * matrix leaves behind is published: the specs that run after it count the demo catalogue.
 *
 * Expectations: one token per persona, left to right:
 *   anon  student  enrolled  expired  revoked  disabled  other-inst  this-inst  admin
 * (the former-instructor column has no tokens: it must answer exactly like "student").
 * Tokens: HTTP status; →signin / →forbidden (redirect); panel (200 showing the 403 panel); ok /
 * refused (a server action's own answer); a trailing + when the cell grants, proven by the marks
 * in `shows` or by the database change. `~` (disabled, until the sessions change lands): like
 * anonymous, or any denial.
 *
 * Server actions are called as any client can (support/access-matrix.ts `invokeAction`): POST to a
 * page whose worker holds the action, `Next-Action: <id from the build's manifest>`, the arguments
 * encoded by React's own encoder. Bound arguments (`action.bind(null, courseId, …)` in a page) are
 * not secret: the client sends them as the leading arguments, so a row can send any id. Form
 * actions receive (…bound, previous state, FormData) and go as multipart.
 *
 * Adding a route: one row below (or one line in NOT_COURSE_CONTENT with the reason).
 */
import path from "node:path";
import { test, expect } from "./fixtures";
import type { RemoteFactories } from "./fixtures";
import type { RowModel } from "../support/factories";
import {
  PERSONAS,
  SUBJECT_ENROLMENT,
  createWorld,
  expectationsOf,
  form,
  gist,
  loadWorld,
  personaContext,
  putBytes,
  readInventory,
  readResults,
  renderMatrix,
  runCell,
  sampleUrl,
  startUpload,
  writeResults,
  type ActionRow,
  type CellCtx,
  type EdgeRow,
  type Effect,
  type HandlerRow,
  type PageRow,
  type PersonaId,
  type PersonaResults,
  type Row,
  type Shown,
  type World,
} from "./support/access-matrix";

// ---- row builders --------------------------------------------------------------------------

const page = (route: string, what: string, path: (w: World) => string, expect: string, shows: Shown[] = []): PageRow => ({
  kind: "page",
  name: `${route}${what ? ` · ${what}` : ""}`,
  route,
  path,
  expect,
  shows,
});

const handler = (method: HandlerRow["method"], route: string, what: string, target: HandlerRow["target"], expect: string, shows: Shown[] = []): HandlerRow => ({
  kind: "handler",
  name: `${method} ${route} · ${what}`,
  method,
  route,
  target,
  expect,
  shows,
});

const COURSES = "app/courses/actions.ts";
const INSTRUCTOR = "app/instructor/actions.ts";
/** Course actions go to the public course page (no proxy gate in front: the action's own check answers). */
const coursePage = (w: World) => `/courses/${w.S.slug}`;
/** Instructor actions go to an editor page, where the instructor's browser posts them. */
const editorPage = (w: World) => `/instructor/courses/${w.M.id}`;

const action = (file: string, name: string, what: string, target: ActionRow["target"], expect: string, opts: Partial<ActionRow> = {}): ActionRow => ({
  kind: "action",
  name: `${name} · ${what}`,
  action: `${file}#${name}`,
  page: file === COURSES ? coursePage : editorPage,
  target,
  expect,
  ...opts,
});

const edge = (what: string, lesson: EdgeRow["lesson"], expect: string): EdgeRow => ({ kind: "edge", name: `edge GET master.m3u8 · ${what}`, lesson, expect });

// ---- database checks (through the factories) -------------------------------------------------

const rows = (c: CellCtx, model: RowModel, where: Record<string, unknown>) => c.f.findRows(model, where);
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
/** The change: a row matching `where` now exists (none before). */
async function appears(c: CellCtx, model: RowModel, where: Record<string, unknown>): Promise<Effect> {
  if ((await rows(c, model, where)).length) throw new Error(`a ${model} matching ${json(where)} exists before the call`);
  return async () => (await rows(c, model, where)).length > 0;
}
/** The change: the rows matching `where` are gone. */
async function disappears(c: CellCtx, model: RowModel, where: Record<string, unknown>): Promise<Effect> {
  if (!(await rows(c, model, where)).length) throw new Error(`no ${model} matching ${json(where)} before the call`);
  return async () => (await rows(c, model, where)).length === 0;
}
/** The change: the rows matching `where` differ from before the call (any column). */
async function changes(c: CellCtx, model: RowModel, where: Record<string, unknown>): Promise<Effect> {
  const before = json(await rows(c, model, where));
  return async () => json(await rows(c, model, where)) !== before;
}

// ---- per-cell targets (the subject's staff, not the other instructor, teach them) -------------

const freshSection = (c: CellCtx, lessons = 0) => c.f.addSection({ id: c.w.M.id }, { title: `Matrix section ${c.tag}`, lessons });
const freshDraft = (c: CellCtx) => c.f.createCourse({ instructor: c.w.users.thisInstructor, published: false, title: `Matrix draft ${c.tag}`, lessons: 1 });
/** A student enrolled in the subject in `state`: the target of enrolment actions. */
async function freshStudent(c: CellCtx, state: "active" | "revoked" | null) {
  const user = await c.f.createUser({ email: `matrix-${c.tag}@example.com` });
  const enrolment = state ? await c.f.enrol(user, { id: c.w.S.id }, state) : null;
  return { user, enrolment };
}
const lessonForm = (tag: string) => form({ title: `Matrix lesson ${tag}`, body: `Matrix body ${tag}`, availableFrom: "" });
const courseForm = (title: string, slug: string) => form({ title, slug, summary: "A course the access matrix wrote.", description: "", price: "" });

// ---- the matrix --------------------------------------------------------------------------------

// Expectation columns: anon student enrolled expired revoked disabled other-inst this-inst admin
const ROWS: Row[] = [
  // Pages. Covers of published courses are public by design; everything else is a mark.
  page("/", "", () => "/", "200 200 200 200 200 ~ 200 200 200"),
  page("/courses", "", () => "/courses", "200 200 200 200 200 ~ 200 200 200"),
  page("/courses/[slug]", "published paid course", (w) => `/courses/${w.S.slug}`, "200 200 200 200 200 ~ 200 200 200"),
  page("/courses/[slug]", "draft course", (w) => `/courses/${w.D.slug}`, "404 404 404 404 404 ~ 404 200+ 200+", ["draftTitle"]),
  page("/courses/[slug]/lessons/[lessonId]", "paid lesson", (w) => `/courses/${w.S.slug}/lessons/${w.S.paidLesson}`, "403 403 200+ 403 403 ~ 403 200+ 200+", ["body", "media", "signed"]),
  page("/courses/[slug]/lessons/[lessonId]", "free preview", (w) => `/courses/${w.S.slug}/lessons/${w.S.previewLesson}`, "200+ 200+ 200+ 200+ 200+ ~ 200+ 200+ 200+", ["preview", "previewMedia", "signed"]),
  page("/courses/[slug]/lessons/[lessonId]", "lesson that opens later", (w) => `/courses/${w.S.slug}/lessons/${w.S.dripLesson}`, "403 403 403 403 403 ~ 403 200+ 200+", ["drip"]),
  page("/courses/[slug]/lessons/[lessonId]", "draft lesson", (w) => `/courses/${w.D.slug}/lessons/${w.D.lesson}`, "404 404 404 404 404 ~ 404 200+ 200+", ["draft", "draftTitle"]),
  page("/dashboard", "", () => "/dashboard", "→signin 200 200 200 200 ~ 200 200 200"),
  page("/instructor", "", () => "/instructor", "→signin →forbidden →forbidden →forbidden →forbidden ~ 200 200+ 200+", ["draftTitle"]),
  page("/instructor/courses/new", "", () => "/instructor/courses/new", "→signin →forbidden →forbidden →forbidden →forbidden ~ 200 200 200"),
  page("/instructor/courses/[courseId]", "subject", (w) => `/instructor/courses/${w.S.id}`, "→signin →forbidden →forbidden →forbidden →forbidden ~ panel 200 200"),
  page("/instructor/courses/[courseId]", "draft", (w) => `/instructor/courses/${w.D.id}`, "→signin →forbidden →forbidden →forbidden →forbidden ~ panel 200+ 200+", ["draftTitle"]),
  page("/instructor/courses/[courseId]/lessons/[lessonId]", "paid lesson", (w) => `/instructor/courses/${w.S.id}/lessons/${w.S.paidLesson}`, "→signin →forbidden →forbidden →forbidden →forbidden ~ panel 200+ 200+", ["body"]),
  page("/instructor/courses/[courseId]/lessons/[lessonId]", "own course id + paid lesson", (w) => `/instructor/courses/${w.O.id}/lessons/${w.S.paidLesson}`, "→signin →forbidden →forbidden →forbidden →forbidden ~ 404 panel 404"),
  page("/instructor/courses/[courseId]/students", "subject", (w) => `/instructor/courses/${w.S.id}/students`, "→signin →forbidden →forbidden →forbidden →forbidden ~ panel 200+ 200+", ["code"]),

  // Route handlers.
  handler("GET", "/api/assets/[assetId]", "paid lesson's attachment", async (c) => ({ path: `/api/assets/${c.w.S.attachmentId}` }), "401 403 403 403 403 ~ 403 200 200"),
  handler("DELETE", "/api/assets/[assetId]", "failed attachment", async (c) => {
    const a = await c.f.createAsset({ courseId: c.w.M.id, lessonId: c.w.M.lesson, kind: "ATTACHMENT", status: "FAILED" });
    return { path: `/api/assets/${a.id}`, effect: await disappears(c, "asset", { id: a.id }) };
  }, "401 403 403 403 403 ~ 403 204+ 204+"),
  handler("GET", "/api/lessons/[lessonId]/hls/[...path]", "paid lesson's 360p playlist", async (c) => ({ path: `/api/lessons/${c.w.S.paidLesson}/hls/360p/index.m3u8` }), "401 403 200+ 403 403 ~ 403 200+ 200+", ["media", "signed"]),
  handler("POST", "/api/lessons/[lessonId]/media-session", "paid lesson", async (c) => ({ path: `/api/lessons/${c.w.S.paidLesson}/media-session` }), "401 403 200+ 403 403 ~ 403 200+ 200+", ["cookie"]),
  handler("POST", "/api/lessons/[lessonId]/media-session", "free preview", async (c) => ({ path: `/api/lessons/${c.w.S.previewLesson}/media-session` }), "200+ 200+ 200+ 200+ 200+ ~ 200+ 200+ 200+", ["cookie"]),
  handler("POST", "/api/lessons/[lessonId]/media-session", "lesson that opens later", async (c) => ({ path: `/api/lessons/${c.w.S.dripLesson}/media-session` }), "403 403 403 403 403 ~ 403 200+ 200+", ["cookie"]),
  handler("POST", "/api/lessons/[lessonId]/progress", "paid lesson", async (c) => {
    const positionSeconds = 1000 + Math.floor(Math.random() * 80_000);
    return { path: `/api/lessons/${c.w.S.paidLesson}/progress`, body: { positionSeconds }, effect: await appears(c, "lessonProgress", { lessonId: c.w.S.paidLesson, lastPositionSeconds: positionSeconds }) };
  }, "401 403 200+ 403 403 ~ 403 200+ 200+"),
  handler("POST", "/api/uploads", "attachment for a lesson", async (c) => {
    const fileName = `matrix-${c.tag}.txt`;
    return { path: "/api/uploads", body: { courseId: c.w.M.id, lessonId: c.w.M.lesson, kind: "ATTACHMENT", fileName, contentType: "text/plain", bytes: 20 }, effect: await appears(c, "asset", { fileName }) };
  }, "401 403 403 403 403 ~ 403 201+ 201+", ["upload"]),
  handler("POST", "/api/uploads", "own course id + someone else's lesson", async (c) => {
    const fileName = `matrix-${c.tag}.txt`;
    return { path: "/api/uploads", body: { courseId: c.w.O.id, lessonId: c.w.M.lesson, kind: "ATTACHMENT", fileName, contentType: "text/plain", bytes: 20 }, effect: await appears(c, "asset", { fileName }) };
  }, "401 403 403 403 403 ~ 404 403 404"),
  handler("DELETE", "/api/uploads/[uploadId]", "unfinished upload", async (c) => {
    const up = await startUpload(c.owner, c.w, { fileName: `matrix-${c.tag}.txt`, bytes: 20 });
    return { path: `/api/uploads/${up.uploadId}`, effect: await disappears(c, "upload", { id: up.uploadId }) };
  }, "401 403 403 403 403 ~ 403 204+ 204+"),
  handler("GET", "/api/uploads/[uploadId]/parts", "single-PUT upload", async (c) => ({ path: `/api/uploads/${c.w.uploads.put}/parts` }), "401 403 403 403 403 ~ 403 200+ 200+", ["upload"]),
  handler("POST", "/api/uploads/[uploadId]/parts", "multipart upload", async (c) => ({ path: `/api/uploads/${c.w.uploads.multipart}/parts`, body: { partNumbers: [1, 2] } }), "401 403 403 403 403 ~ 403 200+ 200+", ["upload"]),
  handler("POST", "/api/uploads/[uploadId]/complete", "bytes sent", async (c) => {
    const bytes = Buffer.from(`matrix complete cell ${c.tag}\n`);
    const up = await startUpload(c.owner, c.w, { fileName: `matrix-${c.tag}.txt`, bytes: bytes.length });
    await putBytes(c.owner, up, bytes);
    return { path: `/api/uploads/${up.uploadId}/complete`, body: {}, effect: await appears(c, "asset", { id: up.assetId, status: "READY" }) };
  }, "401 403 403 403 403 ~ 403 200+ 200+"),

  // The media edge, with whatever cookies the persona obtained from media-session.
  edge("paid lesson", (w) => ({ lessonId: w.S.paidLesson, key: w.S.paidMaster }), "403 403 200+ 403 403 ~ 403 200+ 200+"),
  edge("free preview", (w) => ({ lessonId: w.S.previewLesson, key: w.S.previewMaster }), "200+ 200+ 200+ 200+ 200+ ~ 200+ 200+ 200+"),

  // Server actions of the course pages (bound arguments come from the client: any value can be sent).
  action(COURSES, "enrollAction", "subject (paid)", async (c) => ({
    args: [c.w.S.id, c.w.S.slug],
    effect: await changes(c, "enrollment", { userId: c.user?.id ?? "-", courseId: c.w.S.id }),
  }), "→signin refused refused refused refused ~ refused refused refused", { changesOwnEnrolment: true }),
  action(COURSES, "setCompletedAction", "paid lesson", async (c) => ({
    args: [c.w.S.paidLesson, `/courses/${c.w.S.slug}/lessons/${c.w.S.paidLesson}`, true],
    effect: await changes(c, "lessonProgress", { userId: c.user?.id ?? "-", lessonId: c.w.S.paidLesson, completed: true }),
  }), "refused refused ok+ refused refused ~ refused ok+ ok+"),
  action(COURSES, "redeemAction", "a code of the subject", async (c) => {
    const code = (await c.f.createAccessCode({ id: c.w.S.id }, { code: `MX-${c.tag}` })).code;
    return { args: [null, form({ code })], effect: await appears(c, "accessCode", { code, uses: 1 }) };
  }, "refused ok+ refused ok+ refused ~ ok+ ok+ ok+", { changesOwnEnrolment: true }),

  // Server actions of the instructor area.
  action(INSTRUCTOR, "createCourseAction", "new course", async (c) => ({
    args: [null, courseForm(`Matrix course ${c.tag}`, `matrix-${c.tag}`)],
    effect: await appears(c, "course", { slug: `matrix-${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ ok+ ok+ ok+", { page: () => "/instructor/courses/new" }),
  action(INSTRUCTOR, "updateCourseAction", "sandbox course", async (c) => ({
    args: [c.w.M.id, null, courseForm(`Matrix sandbox ${c.tag}`, c.w.M.slug)],
    effect: await appears(c, "course", { id: c.w.M.id, title: `Matrix sandbox ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "setPublishedAction", "draft course", async (c) => {
    const draft = await freshDraft(c);
    return { args: [draft.id, true], effect: await appears(c, "course", { id: draft.id, published: true }), cleanup: () => c.f.deleteCourse(draft) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "addSectionAction", "sandbox course", async (c) => ({
    args: [c.w.M.id, null, form({ title: `Matrix section ${c.tag}` })],
    effect: await appears(c, "section", { courseId: c.w.M.id, title: `Matrix section ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "renameSectionAction", "sandbox section", async (c) => ({
    args: [c.w.M.id, c.w.M.section, null, form({ title: `Renamed ${c.tag}` })],
    effect: await appears(c, "section", { id: c.w.M.section, title: `Renamed ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "deleteSectionAction", "sandbox section", async (c) => {
    const s = await freshSection(c);
    return { args: [c.w.M.id, s.id], effect: await disappears(c, "section", { id: s.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "moveSectionAction", "sandbox section up", async (c) => {
    const s = await freshSection(c);
    return { args: [c.w.M.id, s.id, "up"], effect: await changes(c, "section", { id: s.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "addLessonAction", "sandbox section", async (c) => ({
    args: [c.w.M.id, c.w.M.section, null, lessonForm(c.tag)],
    effect: await appears(c, "lesson", { title: `Matrix lesson ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "updateLessonAction", "sandbox lesson", async (c) => {
    const l = (await freshSection(c, 1)).lessons[0];
    return { args: [c.w.M.id, l.id, null, lessonForm(c.tag)], effect: await appears(c, "lesson", { id: l.id, body: `Matrix body ${c.tag}` }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "deleteLessonAction", "sandbox lesson", async (c) => {
    const l = (await freshSection(c, 1)).lessons[0];
    return { args: [c.w.M.id, l.id, false], effect: await disappears(c, "lesson", { id: l.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "moveLessonAction", "sandbox lesson up", async (c) => {
    const l = (await freshSection(c, 2)).lessons[1];
    return { args: [c.w.M.id, l.id, "up"], effect: await changes(c, "lesson", { id: l.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "grantAccessAction", "subject, a new student", async (c) => {
    const { user } = await freshStudent(c, null);
    return { args: [c.w.S.id, null, form({ email: user.email, expiresAt: "" })], effect: await appears(c, "enrollment", { userId: user.id, courseId: c.w.S.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "restoreAccessAction", "subject, a revoked student", async (c) => {
    const { user } = await freshStudent(c, "revoked");
    return { args: [c.w.S.id, user.email], effect: await appears(c, "enrollment", { userId: user.id, courseId: c.w.S.id, status: "ACTIVE" }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "revokeAccessAction", "subject, an active student", async (c) => {
    const { enrolment } = await freshStudent(c, "active");
    return { args: [c.w.S.id, enrolment!.id], effect: await appears(c, "enrollment", { id: enrolment!.id, status: "REVOKED" }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "setExpiryAction", "subject, an active student", async (c) => {
    const { enrolment } = await freshStudent(c, "active");
    return { args: [c.w.S.id, enrolment!.id, null, form({ expiresAt: "2031-01-01" })], effect: await changes(c, "enrollment", { id: enrolment!.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "createAccessCodeAction", "subject", async (c) => {
    const code = `MX-NEW-${c.tag.toUpperCase()}`;
    return { args: [c.w.S.id, null, form({ code, maxUses: "1", expiresAt: "" })], effect: await appears(c, "accessCode", { code }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "deleteAssetAction", "failed attachment", async (c) => {
    const a = await c.f.createAsset({ courseId: c.w.M.id, lessonId: c.w.M.lesson, kind: "ATTACHMENT", status: "FAILED" });
    return { args: [a.id], effect: await disappears(c, "asset", { id: a.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),
  action(INSTRUCTOR, "retryVideoAction", "video whose processing failed", async (c) => {
    const a = await c.f.createAsset({ courseId: c.w.M.id, lessonId: c.w.M.lesson, kind: "VIDEO", status: "FAILED", failedTranscode: { uploadedBy: c.w.users.thisInstructor } });
    return { args: [a.id], effect: await changes(c, "asset", { id: a.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused ok+ ok+"),

  // The other instructor's attack: their own course id, a child of a course they do not teach.
  action(INSTRUCTOR, "addLessonAction", "own course id + someone else's section", async (c) => ({
    args: [c.w.O.id, c.w.M.section, null, lessonForm(c.tag)],
    effect: await appears(c, "lesson", { title: `Matrix lesson ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "renameSectionAction", "own course id + someone else's section", async (c) => ({
    args: [c.w.O.id, c.w.M.section, null, form({ title: `Renamed ${c.tag}` })],
    effect: await appears(c, "section", { id: c.w.M.section, title: `Renamed ${c.tag}` }),
  }), "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "deleteSectionAction", "own course id + someone else's section", async (c) => {
    const s = await freshSection(c);
    return { args: [c.w.O.id, s.id], effect: await disappears(c, "section", { id: s.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "moveSectionAction", "own course id + someone else's section", async (c) => {
    const s = await freshSection(c);
    return { args: [c.w.O.id, s.id, "up"], effect: await changes(c, "section", { id: s.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "updateLessonAction", "own course id + someone else's lesson", async (c) => {
    const l = (await freshSection(c, 1)).lessons[0];
    return { args: [c.w.O.id, l.id, null, lessonForm(c.tag)], effect: await changes(c, "lesson", { id: l.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "deleteLessonAction", "own course id + someone else's lesson", async (c) => {
    const l = (await freshSection(c, 1)).lessons[0];
    return { args: [c.w.O.id, l.id, false], effect: await disappears(c, "lesson", { id: l.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "moveLessonAction", "own course id + someone else's lesson", async (c) => {
    const l = (await freshSection(c, 2)).lessons[1];
    return { args: [c.w.O.id, l.id, "up"], effect: await changes(c, "lesson", { id: l.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "revokeAccessAction", "own course id + someone else's enrolment", async (c) => {
    const { enrolment } = await freshStudent(c, "active");
    return { args: [c.w.O.id, enrolment!.id], effect: await changes(c, "enrollment", { id: enrolment!.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
  action(INSTRUCTOR, "setExpiryAction", "own course id + someone else's enrolment", async (c) => {
    const { enrolment } = await freshStudent(c, "active");
    return { args: [c.w.O.id, enrolment!.id, null, form({ expiresAt: "2031-01-01" })], effect: await changes(c, "enrollment", { id: enrolment!.id }) };
  }, "→signin →forbidden →forbidden →forbidden →forbidden ~ refused refused refused"),
];

/** Routes and actions in the build that touch no course content, media or uploads: one line each, with the reason. */
const NOT_COURSE_CONTENT: Record<string, string> = {
  "/_global-error": "Next's built-in error page",
  "/_not-found": "Next's built-in 404 page",
  "/forbidden": "a fixed 403 explanation the proxy redirects to; reads nothing",
  "/signin": "the sign-in form (a signed-in user is redirected away)",
  "/signup": "the sign-up form",
  "/redeem": "the access-code form; reads no course data (its action, redeemAction, is a row)",
  "/api/auth/[...nextauth]": "next-auth's sign-in, sign-out and session endpoints: sessions, not course content (sessions.spec.ts)",
  "/api/health": "liveness of the app, database and storage; no data",
  "/api/signup": "creates a student account; no course data",
};

// ---- tests --------------------------------------------------------------------------------------

let world: World;
let resultsDir: string;

test.beforeAll(async ({ browser, factories }, testInfo) => {
  test.setTimeout(120_000);
  resultsDir = path.join(testInfo.project.outputDir, "access-matrix");
  world = await loadWorld(resultsDir, () => createWorld(factories, browser));
});

test("inventory: every route and server action of the build is a row or listed as not course content", async ({ request }) => {
  const inv = readInventory();
  const problems: string[] = [];
  const built = new Set([...inv.pages, ...inv.handlers]);
  const rowRoutes = new Set(ROWS.flatMap((r) => (r.kind === "page" || r.kind === "handler" ? [r.route] : [])));
  const rowActions = new Set(ROWS.flatMap((r) => (r.kind === "action" ? [r.action] : [])));
  for (const route of built) {
    if (!rowRoutes.has(route) && !(route in NOT_COURSE_CONTENT)) problems.push(`route ${route} is in the build but not in the matrix`);
  }
  for (const name of inv.actions.keys()) {
    if (!rowActions.has(name) && !(name in NOT_COURSE_CONTENT)) problems.push(`server action ${name} is in the build but not in the matrix`);
  }
  for (const name of [...rowRoutes, ...rowActions, ...Object.keys(NOT_COURSE_CONTENT)]) {
    if (!built.has(name) && !inv.actions.has(name)) problems.push(`${name} is listed but not in the build`);
  }
  for (const r of ROWS) {
    try {
      expectationsOf(r);
    } catch (error) {
      problems.push(gist(error));
    }
    if (r.kind === "page" && !inv.pages.includes(r.route)) problems.push(`${r.name}: ${r.route} is not a page`);
    if (r.kind === "handler" && !inv.handlers.includes(r.route)) problems.push(`${r.name}: ${r.route} is not a route handler`);
  }
  // Route handler methods: Next answers OPTIONS with the methods a handler exports.
  let methods = 0;
  for (const route of inv.handlers.filter((h) => rowRoutes.has(h))) {
    const allow = (await request.fetch(sampleUrl(route), { method: "OPTIONS" })).headers()["allow"] ?? "";
    const exported = allow.split(",").map((m) => m.trim()).filter((m) => m && m !== "HEAD" && m !== "OPTIONS");
    const covered = new Set(ROWS.flatMap((r) => (r.kind === "handler" && r.route === route ? [r.method] : [])));
    methods += exported.length;
    for (const m of exported) if (!covered.has(m as "GET")) problems.push(`${m} ${route} is exported but no row covers it`);
    for (const m of covered) if (!exported.includes(m)) problems.push(`${m} ${route} has a row but the handler does not export it`);
  }
  console.log(
    `inventory: ${inv.pages.length} pages, ${inv.handlers.length} route handlers, ${inv.actions.size} server actions in the build; ` +
      `the matrix covers ${[...rowRoutes].filter((r) => inv.pages.includes(r)).length} pages, ` +
      `${[...rowRoutes].filter((r) => inv.handlers.includes(r)).length} route handlers (${methods} methods), ${rowActions.size} server actions; ` +
      `${Object.keys(NOT_COURSE_CONTENT).length} listed as not course content`,
  );
  expect(problems, "routes and actions the matrix does not account for").toEqual([]);
});

for (const persona of PERSONAS) {
  test(`persona: ${persona.label}`, async ({ browser, factories }) => {
    test.setTimeout(240_000);
    const results: PersonaResults = { persona: persona.id, cells: [] };
    const user = persona.id === "anonymous" ? null : world.users[persona.id];
    if (persona.id === "disabled") {
      try {
        await factories.disableUser(world.users.disabled);
      } catch (error) {
        results.setupError = gist(error);
        writeResults(resultsDir, results);
        throw new Error(`the disabled persona cannot be set up: ${results.setupError}`);
      }
    }
    const context = await personaContext(browser, user);
    const owner = await personaContext(browser, world.users.thisInstructor);
    const actionIds = readInventory().actions;
    try {
      for (const [i, row] of ROWS.entries()) {
        const tag = `${persona.short.replace(/[^a-z]/g, "")}${i}${Math.random().toString(36).slice(2, 7)}`;
        const ctx: CellCtx = { w: world, f: factories, persona: persona.id, user, owner: owner.request, tag };
        results.cells.push(await runCell(row, ctx, context.request, actionIds));
        if (row.kind === "action" && row.changesOwnEnrolment && persona.id !== "anonymous") await restoreEnrolment(factories, persona.id, user!);
      }
    } finally {
      writeResults(resultsDir, results);
      await context.close();
      await owner.close();
    }
    const failed = results.cells.filter((c) => c.problems.length).map((c) => `${c.row}: ${c.problems.join("; ")}${c.detail ? ` (${c.detail})` : ""}`);
    expect(failed, `${persona.label}: failed cells`).toEqual([]);
  });
}

async function restoreEnrolment(f: RemoteFactories, persona: Exclude<PersonaId, "anonymous">, user: { id: string }) {
  const state = SUBJECT_ENROLMENT[persona];
  if (state) await f.enrol(user, { id: world.S.id }, state);
  else await f.unenrol(user, { id: world.S.id });
}

// Prints only: each persona's test fails on its own cells (and a persona that could not be set up shows as not run).
test("the matrix", async () => {
  const { table, line } = renderMatrix(
    ROWS.map((r) => r.name),
    readResults(resultsDir),
  );
  console.log(`\n${table}\n\n${line}\n`);
  expect(line).toMatch(/^access matrix: /);
});
