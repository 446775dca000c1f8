/**
 * The machinery of the access-control matrix (tests/e2e/access-matrix.spec.ts): personas, the
 * subject data, how one cell is requested and judged, what counts as a leak, how server actions
 * are invoked over HTTP, the inventory of the build, and the printed table. The spec holds the
 * list of rows; everything it needs to say per row is a path, a target and one expectation per
 * persona.
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { APIRequestContext, APIResponse, Browser, BrowserContext } from "@playwright/test";
import { e2e } from "../../../playwright.config";
import type { UserRef } from "../../support/factories";
import { addSessionCookie, mintSessionToken, type RemoteFactories } from "../fixtures";

// ---------------------------------------------------------------------------------------------
// Personas

/**
 * The columns. A persona with `like` has no token of its own in the rows: it must answer exactly
 * as that persona does (a regression column: see formerInstructor).
 */
export const PERSONAS = [
  { id: "anonymous", label: "anonymous", short: "anon" },
  { id: "notEnrolled", label: "not enrolled", short: "student" },
  { id: "enrolled", label: "enrolled (active)", short: "enrolled" },
  { id: "expired", label: "expired enrolment", short: "expired" },
  { id: "revoked", label: "revoked enrolment", short: "revoked" },
  { id: "disabled", label: "disabled account (enrolled)", short: "disabled" },
  { id: "otherInstructor", label: "instructor of another course", short: "other-inst" },
  { id: "thisInstructor", label: "instructor of this course", short: "this-inst" },
  { id: "admin", label: "admin", short: "admin" },
  // Regression (ADR 048): an account an admin made a student while it was still listed as the
  // subject's instructor. Teaching a course gave staff access whatever the role.
  { id: "formerInstructor", label: "former instructor (now a student)", short: "former-inst", like: "notEnrolled" },
] as const satisfies readonly { id: string; label: string; short: string; like?: string }[];

export type PersonaId = (typeof PERSONAS)[number]["id"];
type SignedInPersona = Exclude<PersonaId, "anonymous">;
/** The personas with a token of their own in every row's expectation string, in that order. */
export const COLUMNS: readonly PersonaId[] = PERSONAS.filter((p) => !("like" in p)).map((p) => p.id);
const likeOf = (id: PersonaId): PersonaId | undefined => {
  const p = PERSONAS.find((x) => x.id === id);
  return p && "like" in p ? p.like : undefined;
};

/** Each persona's enrolment in the subject course (what cells that change it restore). */
export const SUBJECT_ENROLMENT: Record<SignedInPersona, "active" | "expired" | "revoked" | null> = {
  notEnrolled: null,
  enrolled: "active",
  expired: "expired",
  revoked: "revoked",
  disabled: "active",
  otherInstructor: null,
  thisInstructor: null,
  admin: null,
  formerInstructor: null,
};

// ---------------------------------------------------------------------------------------------
// The subject ("world"): created once per run, shared by every persona's test through a file
// (a failed test restarts Playwright's worker, and module state with it).

export interface World {
  /** Unique sentences and names whose presence in a response proves what it shows. */
  marks: { body: string; preview: string; drip: string; draftBody: string; draftTitle: string; code: string };
  /** The subject: the demo course whose media the seed transcoded (published, paid). */
  S: {
    id: string;
    slug: string;
    paidLesson: string;
    previewLesson: string;
    /** A lesson that opens later (drip): closed to everyone but staff. */
    dripLesson: string;
    attachmentId: string;
    paidMaster: string;
    previewMaster: string;
  };
  /** A draft course of the same instructor. */
  D: { id: string; slug: string; lesson: string };
  /**
   * Sandbox for authoring actions: a draft (so the catalogue the other specs count is unchanged),
   * paid, with the subject's staff. Targets are created in it per cell.
   */
  M: { id: string; slug: string; section: string; lesson: string };
  /** The other instructor's own course (for "own course id, someone else's child id" rows). */
  O: { id: string; slug: string; lesson: string };
  users: Record<SignedInPersona, UserRef>;
  /** Upload targets every persona may try without changing them (started by the subject's instructor). */
  uploads: { put: string; multipart: string };
}

const SAFE = (s: string) => s.replace(/[^A-Za-z0-9]/g, "");

export async function createWorld(f: RemoteFactories, browser: Browser): Promise<World> {
  const run = SAFE(`${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  const marks = {
    body: `Matrix paid sentence ${run} only entitled viewers read`,
    preview: `Matrix preview sentence ${run} anyone may read`,
    drip: `Matrix drip sentence ${run} only staff read before its date`,
    draftBody: `Matrix draft sentence ${run} only staff read`,
    draftTitle: `Matrix draft course ${run}`,
    code: `MATRIX-${run.toUpperCase()}`,
  };
  const subject = await f.findCourse("cloud-security");
  const paid = subject.lessons.find((l) => l.title === "Signed URLs and signed cookies")!;
  const preview = subject.lessons.find((l) => l.isFreePreview)!;
  const drip = subject.lessons.find((l) => l.availableFrom && new Date(l.availableFrom).getTime() > Date.now())!;
  await f.appendToLessonBody(paid.id, `${marks.body}.`);
  await f.appendToLessonBody(preview.id, `${marks.preview}.`);
  await f.appendToLessonBody(drip.id, `${marks.drip}.`);
  const [attachment] = await f.findRows("asset", { lessonId: paid.id, kind: "ATTACHMENT", status: "READY" });

  const users = {} as Record<SignedInPersona, UserRef>;
  for (const p of PERSONAS) {
    if (p.id === "anonymous") continue;
    const role = p.id === "admin" ? "ADMIN" : p.id.endsWith("Instructor") ? "INSTRUCTOR" : "STUDENT";
    users[p.id] = await f.createUser({ role, name: `Matrix ${p.label}` });
    const state = SUBJECT_ENROLMENT[p.id];
    if (state) await f.enrol(users[p.id], subject, state);
  }
  await f.addInstructor(subject, users.thisInstructor);
  await f.createAccessCode(subject, { code: marks.code, maxUses: 1000 });
  const draft = await f.createCourse({ instructor: users.thisInstructor, published: false, title: marks.draftTitle, lessons: [{ body: `${marks.draftBody}.` }] });
  const sandbox = await f.createCourse({ instructor: users.thisInstructor, published: false, title: `Matrix sandbox ${run}`, lessons: 1 });
  const [sandboxSection] = await f.findRows("section", { courseId: sandbox.id });
  const other = await f.createCourse({ instructor: users.otherInstructor, published: false, title: `Matrix other course ${run}`, lessons: 1 });
  // The former instructor teaches what this course's instructor teaches, then becomes a student.
  for (const c of [subject, draft, sandbox]) await f.addInstructor(c, users.formerInstructor);
  users.formerInstructor = await f.setRole(users.formerInstructor, "STUDENT");

  const world: World = {
    marks,
    S: {
      id: subject.id,
      slug: subject.slug,
      paidLesson: paid.id,
      previewLesson: preview.id,
      dripLesson: drip.id,
      attachmentId: String(attachment.id),
      paidMaster: await f.lessonVideoKey(paid.id),
      previewMaster: await f.lessonVideoKey(preview.id),
    },
    D: { id: draft.id, slug: draft.slug, lesson: draft.lessons[0].id },
    M: { id: sandbox.id, slug: sandbox.slug, section: String(sandboxSection.id), lesson: sandbox.lessons[0].id },
    O: { id: other.id, slug: other.slug, lesson: other.lessons[0].id },
    users,
    uploads: { put: "", multipart: "" },
  };
  const owner = await personaContext(browser, users.thisInstructor);
  try {
    world.uploads.put = (await startUpload(owner.request, world, { fileName: "matrix-shared.txt", bytes: 32 })).uploadId;
    world.uploads.multipart = (await startUpload(owner.request, world, { fileName: "matrix-shared.pdf", bytes: 20 * 1024 * 1024, contentType: "application/pdf" })).uploadId;
  } finally {
    await owner.close();
  }
  return world;
}

/** The world of this run: created by the first test that asks, read back from `dir` by the others. */
export async function loadWorld(dir: string, create: () => Promise<World>): Promise<World> {
  const file = path.join(dir, "world.json");
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as World;
  const world = await create();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, JSON.stringify(world, null, 2));
  return world;
}

/** A browser context signed in as `user` (a minted next-auth session cookie), or anonymous. */
export async function personaContext(browser: Browser, user: UserRef | null): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: e2e.appUrl });
  if (user) await addSessionCookie(context, await mintSessionToken(user));
  return context;
}

// ---------------------------------------------------------------------------------------------
// Uploads (started through the API, as the instructor's browser does)

export interface Started {
  uploadId: string;
  assetId: string;
  transfer: { method: "PUT"; url: string; headers: Record<string, string> } | { method: "MULTIPART"; partSize: number; partCount: number };
}

/** Starts an attachment upload to the sandbox's lesson. */
export async function startUpload(
  request: APIRequestContext,
  w: World,
  file: { fileName: string; bytes: number; contentType?: string; courseId?: string; lessonId?: string },
): Promise<Started> {
  const res = await request.post("/api/uploads", {
    data: {
      courseId: file.courseId ?? w.M.id,
      lessonId: file.lessonId ?? w.M.lesson,
      kind: "ATTACHMENT",
      fileName: file.fileName,
      contentType: file.contentType ?? "text/plain",
      bytes: file.bytes,
    },
  });
  if (res.status() !== 201) throw new Error(`starting an upload answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as Started;
}

/** Sends the bytes of a single-PUT upload to storage with its presigned URL. */
export async function putBytes(request: APIRequestContext, started: Started, bytes: Buffer): Promise<void> {
  if (started.transfer.method !== "PUT") throw new Error("not a single-PUT upload");
  const headers = Object.fromEntries(Object.entries(started.transfer.headers).filter(([k]) => k.toLowerCase() !== "content-length"));
  const res = await request.put(started.transfer.url, { headers, data: bytes });
  if (!res.ok()) throw new Error(`PUT to storage answered ${res.status()}: ${await res.text()}`);
}

// ---------------------------------------------------------------------------------------------
// Leaks: what a response shows

/**
 * What a response can show, each detected by a unique mark:
 * - body / preview / drip / draft: the sentence of the paid lesson, the free preview, the lesson
 *   that opens later, the draft's lesson;
 * - draftTitle: the draft course's title (a draft is not disclosed to outsiders);
 * - code: an access code of the subject course;
 * - media / previewMedia: any URL or key under the paid (preview) lesson's storage folder;
 * - signed: a signed media URL (`Signature=`, `Policy=`, `X-Amz-Signature=`), covers excepted
 *   (published courses' covers are public by design, SECURITY.md);
 * - upload: a presigned storage URL (where an upload's bytes go);
 * - cookie: a `Set-Cookie` of `CloudFront-*`.
 */
export type Shown = "body" | "preview" | "drip" | "draft" | "draftTitle" | "code" | "media" | "previewMedia" | "signed" | "upload" | "cookie";

const URL_PATTERN = /https?:\/\/[^\s"'<>\\`]+/g;

export function shownIn(w: World, text: string, setCookies: string[]): Set<Shown> {
  const out = new Set<Shown>();
  const plain = text.replace(/&amp;/g, "&").replace(/\\u0026/g, "&");
  if (plain.includes(w.marks.body)) out.add("body");
  if (plain.includes(w.marks.preview)) out.add("preview");
  if (plain.includes(w.marks.drip)) out.add("drip");
  if (plain.includes(w.marks.draftBody)) out.add("draft");
  if (plain.includes(w.marks.draftTitle)) out.add("draftTitle");
  if (plain.includes(w.marks.code)) out.add("code");
  if (plain.includes(`courses/${w.S.id}/lessons/${w.S.paidLesson}/`)) out.add("media");
  if (plain.includes(`courses/${w.S.id}/lessons/${w.S.previewLesson}/`)) out.add("previewMedia");
  const storagePort = `:${e2e.storagePort}/`;
  for (const url of plain.match(URL_PATTERN) ?? []) {
    if (url.includes(storagePort) && /X-Amz-Signature=/i.test(url)) out.add("upload");
    else if (/[?&](Signature|Policy|X-Amz-Signature)=/i.test(url) && !/\/courses\/[^/]+\/cover\//.test(url)) out.add("signed");
  }
  if (setCookies.some((c) => /^CloudFront-/i.test(c.trim()))) out.add("cookie");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Server actions over HTTP

/**
 * React's own reply encoder (the one the browser runs when a client component calls a server
 * action): plain arguments become a JSON array string (strings starting with `$` escaped as
 * `$$`), sent as `text/plain;charset=UTF-8`; arguments holding a FormData become multipart, the
 * root array in field `0` and each form field as `_1_<name>`, referenced from the array as
 * `"$K1"`. Next routes the request by the `Next-Action` header to the action id.
 */
const requireFromRoot = createRequire(path.resolve("package.json"));
const { encodeReply } = requireFromRoot("next/dist/compiled/react-server-dom-webpack/client.node") as {
  encodeReply(value: unknown[]): Promise<string | FormData>;
};

/** Invokes a server action the way any client can: POST to a page with `Next-Action: <id>` and the encoded arguments. */
export async function invokeAction(request: APIRequestContext, page: string, actionId: string, args: unknown[]): Promise<APIResponse> {
  const encoded = await encodeReply(args);
  const headers = { "Next-Action": actionId, Origin: e2e.appUrl, Accept: "text/x-component" };
  if (typeof encoded === "string") {
    return request.post(page, { headers: { ...headers, "Content-Type": "text/plain;charset=UTF-8" }, data: encoded, maxRedirects: 0 });
  }
  // As a FormData, not a plain object: field order matters (the root field `0` comes last, after
  // the fields it references; an object would put the integer-like key first and the server
  // would resolve `$K1` before those fields arrived).
  return request.post(page, { headers, multipart: encoded, maxRedirects: 0 });
}

/** A FormData with string fields (what a form action receives). */
export function form(fields: Record<string, string>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.set(k, v);
  return fd;
}

/** The action's return value from a Flight response (`0:{"a":"$@1",…}` then `1:<value>`), or undefined. */
export function actionResult(text: string): unknown {
  const rows = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m && !rows.has(m[1])) rows.set(m[1], m[2]);
  }
  try {
    const root = JSON.parse(rows.get("0") ?? "null") as { a?: unknown } | null;
    const a = root?.a;
    if (typeof a === "string" && a.startsWith("$@")) {
      const row = rows.get(a.slice(2));
      if (!row || row.startsWith("E")) return { thrown: row ?? "(missing)" };
      return JSON.parse(row);
    }
    return a;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Inventory of the build

export interface Inventory {
  /** Page paths (`/courses/[slug]`). */
  pages: string[];
  /** Route handler paths (`/api/uploads/[uploadId]`). */
  handlers: string[];
  /** Server actions as `<file>#<export>`, with their ids. */
  actions: Map<string, string>;
}

/** What `next build` produced: routes from the app path manifest, actions from the server reference manifest. */
export function readInventory(dir = ".next"): Inventory {
  const routes = JSON.parse(fs.readFileSync(path.join(dir, "app-path-routes-manifest.json"), "utf8")) as Record<string, string>;
  const pages: string[] = [];
  const handlers: string[] = [];
  for (const [entry, route] of Object.entries(routes)) (entry.endsWith("/route") ? handlers : pages).push(route);
  const refs = JSON.parse(fs.readFileSync(path.join(dir, "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
    edge: Record<string, { filename?: string; exportedName?: string }>;
  };
  const actions = new Map<string, string>();
  for (const [id, a] of [...Object.entries(refs.node), ...Object.entries(refs.edge)]) {
    actions.set(`${a.filename ?? "?"}#${a.exportedName ?? id}`, id);
  }
  return { pages: pages.sort(), handlers: handlers.sort(), actions };
}

/** A concrete URL for a route pattern (dynamic segments filled with a harmless value). */
export function sampleUrl(route: string): string {
  return route.replace(/\[\.\.\.[^\]]+\]/g, "x/y").replace(/\[[^\]]+\]/g, "x");
}

// ---------------------------------------------------------------------------------------------
// Cells

/**
 * What a cell observed, as one token (the printed table and the expectations use the same):
 * an HTTP status (`200`, `403`, `404`, `401`, `201`, `204`), `→signin` / `→forbidden` (a redirect
 * to the sign-in or 403 page), `panel` (HTTP 200 showing the 403 panel), for actions `ok` /
 * `refused` (the action's own answer), and a trailing `+` when the cell GRANTED: every mark the
 * row lists appeared and its database change happened. `deny` in an expectation accepts any
 * token without `+` (used for the disabled persona, whose exact answer the sessions change
 * decides).
 */
export type Token = string;

export interface Observation {
  token: Token;
  /** Marks seen in the response. */
  shown: Set<Shown>;
  /** Whether the row's database change happened (undefined: the row has none). */
  effect?: boolean;
  /** Extra detail for failures and the table (an error message, an edge error code). */
  detail?: string;
  /** Extra problems found by the runner itself (e.g. an edge 403 with an unexpected code). */
  problems?: string[];
}

export function statusToken(res: APIResponse): Token {
  const status = res.status();
  if (status >= 300 && status < 400) {
    const location = res.headers()["location"] ?? "";
    const to = new URL(location, e2e.appUrl).pathname;
    if (to === "/signin") return "→signin";
    if (to === "/forbidden") return "→forbidden";
    return `→${to}`;
  }
  return String(status);
}

export function setCookiesOf(res: APIResponse): string[] {
  return res
    .headersArray()
    .filter((h) => h.name.toLowerCase() === "set-cookie")
    .map((h) => h.value);
}

/** The verdict on one cell: the problems (empty when it passes). */
export function judge(expected: Token, required: Shown[], obs: Observation, hasEffect: boolean): string[] {
  const problems = [...(obs.problems ?? [])];
  const granting = expected.endsWith("+");
  const allowed = new Set<Shown>(granting ? required : []);
  const leaked = [...obs.shown].filter((s) => !allowed.has(s));
  if (leaked.length) problems.push(`shows ${leaked.join(", ")}`);
  if (!granting && obs.effect) problems.push("changed the database");
  if (expected === "deny") {
    if (obs.token.endsWith("+") || /^(ok|5\d\d)/.test(obs.token)) problems.push(`granted or failed (${obs.token}) where it must deny`);
  } else if (obs.token !== expected) {
    problems.push(`answered ${obs.token}, expected ${expected}`);
  }
  if (granting && hasEffect && obs.effect === undefined) problems.push("the database change was not checked");
  return problems;
}

/** The token of an observation: the base answer, `+` when every required mark and the change are there. */
export function withGrant(base: Token, required: Shown[], shown: Set<Shown>, effect: boolean | undefined): Token {
  const proven = (required.length > 0 || effect !== undefined) && required.every((s) => shown.has(s)) && effect !== false;
  return proven ? `${base}+` : base;
}

// ---------------------------------------------------------------------------------------------
// Results and the printed matrix

export interface CellResult {
  row: string;
  persona: PersonaId;
  expected: Token;
  observed: Token;
  problems: string[];
  detail?: string;
}

export interface PersonaResults {
  persona: PersonaId;
  cells: CellResult[];
  /** Set when the persona could not be set up (no cell ran). */
  setupError?: string;
}

/** The gist of an error (Prisma's raw-query errors put the database's message on a later line). */
export function gist(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const db = /Message: `([^`]+)`/.exec(message)?.[1];
  return db ?? message.split("\n").map((l) => l.trim()).find(Boolean) ?? message;
}

export function writeResults(dir: string, results: PersonaResults): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `persona-${results.persona}.json`), JSON.stringify(results, null, 2));
}

export function readResults(dir: string): Map<PersonaId, PersonaResults> {
  const out = new Map<PersonaId, PersonaResults>();
  for (const p of PERSONAS) {
    const file = path.join(dir, `persona-${p.id}.json`);
    if (fs.existsSync(file)) out.set(p.id, JSON.parse(fs.readFileSync(file, "utf8")) as PersonaResults);
  }
  return out;
}

/** The matrix as a table (rows × personas, each cell `✓ token` or `✗ token`) and the count line. */
export function renderMatrix(rows: string[], results: Map<PersonaId, PersonaResults>): { table: string; line: string; failed: number; checked: number } {
  const width = 14;
  const labelWidth = Math.max(...rows.map((r) => r.length), 10) + 2;
  const pad = (s: string, n: number) => (s.length >= n ? s.slice(0, n - 1) + " " : s + " ".repeat(n - s.length));
  const lines = [pad("", labelWidth) + PERSONAS.map((p) => pad(p.short, width)).join("")];
  let checked = 0;
  let failed = 0;
  for (const row of rows) {
    let line = pad(row, labelWidth);
    for (const p of PERSONAS) {
      const r = results.get(p.id);
      const cell = r?.cells.find((c) => c.row === row);
      if (!cell) {
        line += pad(r?.setupError ? "– not run" : "–", width);
        continue;
      }
      checked += 1;
      if (cell.problems.length) failed += 1;
      line += pad(`${cell.problems.length ? "✗" : "✓"} ${cell.observed}`, width);
    }
    lines.push(line);
  }
  const notRun = PERSONAS.filter((p) => !results.get(p.id)?.cells.length);
  const notRunNote = notRun.length
    ? `; ${notRun.length * rows.length} cells not run (${notRun.map((p) => `${p.id}: ${results.get(p.id)?.setupError ?? "no result"}`).join("; ")})`
    : "";
  const line = `access matrix: ${rows.length} rows × ${PERSONAS.length} personas = ${checked} cells checked, ${failed} failed${notRunNote}`;
  return { table: lines.join("\n"), line, failed, checked };
}

// ---------------------------------------------------------------------------------------------
// Rows and how one cell runs

/** What a cell's preparation hands the runner. */
export interface CellCtx {
  w: World;
  f: RemoteFactories;
  persona: PersonaId;
  /** The persona's account (null: anonymous). */
  user: UserRef | null;
  /** The subject's instructor's requests (to prepare targets through the API, e.g. uploads). */
  owner: APIRequestContext;
  /** Unique per cell (lowercase letters and digits): names, titles and codes the cell creates. */
  tag: string;
}

/** Did the row's change happen? Evaluated after the request. */
export type Effect = () => Promise<boolean>;

interface RowCommon {
  /** The label in the table: the route (or action) and what it targets. */
  name: string;
  /**
   * One token per persona of COLUMNS, in order (see Token). `~` (the disabled persona for now):
   * the same answer as anonymous, or any denial, with nothing shown.
   */
  expect: string;
  /** Marks a granting cell must show (and every other cell must not). */
  shows?: Shown[];
}

export interface PageRow extends RowCommon {
  kind: "page";
  route: string;
  path: (w: World) => string;
}

export interface HandlerRow extends RowCommon {
  kind: "handler";
  route: string;
  method: "GET" | "POST" | "DELETE";
  target: (c: CellCtx) => Promise<{ path: string; body?: unknown; effect?: Effect }>;
}

export interface ActionRow extends RowCommon {
  kind: "action";
  /** `<file>#<exported name>`, as the server reference manifest names it. */
  action: string;
  /** The page the request is posted to (one whose worker holds the action, as the client does). */
  page: (w: World) => string;
  /** `cleanup` runs after the check (e.g. deletes a course the cell published, so other specs see the demo catalogue). */
  target: (c: CellCtx) => Promise<{ args: unknown[]; effect: Effect; cleanup?: () => Promise<void> }>;
  /** The action may change the persona's own enrolment in the subject: restored after the cell. */
  changesOwnEnrolment?: boolean;
}

export interface EdgeRow extends RowCommon {
  kind: "edge";
  /** The lesson whose master playlist is fetched from the edge (after asking for its cookies). */
  lesson: (w: World) => { lessonId: string; key: string };
}

export type Row = PageRow | HandlerRow | ActionRow | EdgeRow;

export function expectationsOf(row: Row): Record<PersonaId, Token[]> {
  const tokens = row.expect.trim().split(/\s+/);
  if (tokens.length !== COLUMNS.length) throw new Error(`${row.name}: ${tokens.length} expectations for ${COLUMNS.length} columns`);
  const own = new Map(COLUMNS.map((id, i) => [id, tokens[i] === "~" ? [tokens[0], "deny"] : [tokens[i]]]));
  const out = {} as Record<PersonaId, Token[]>;
  for (const p of PERSONAS) out[p.id] = own.get(likeOf(p.id) ?? p.id)!;
  return out;
}

const DENIAL_PANEL = 'data-testid="access-denied"';

async function observe(row: Row, c: CellCtx, request: APIRequestContext, actionIds: Map<string, string>): Promise<{ obs: Observation; hasEffect: boolean }> {
  const shows = row.shows ?? [];
  switch (row.kind) {
    case "page": {
      const res = await request.get(row.path(c.w), { maxRedirects: 0 });
      const text = await res.text();
      const shown = shownIn(c.w, text, setCookiesOf(res));
      let base = statusToken(res);
      if (base === "200" && text.includes(DENIAL_PANEL)) base = "panel";
      return { obs: { token: withGrant(base, shows, shown, undefined), shown }, hasEffect: false };
    }
    case "handler": {
      const t = await row.target(c);
      const res = await request.fetch(t.path, { method: row.method, data: t.body, maxRedirects: 0 });
      const text = await res.text();
      const shown = shownIn(c.w, text, setCookiesOf(res));
      const effect = t.effect ? await t.effect() : undefined;
      let detail: string | undefined;
      try {
        detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message;
      } catch {
        detail = undefined;
      }
      return { obs: { token: withGrant(statusToken(res), shows, shown, effect), shown, effect, detail }, hasEffect: t.effect !== undefined };
    }
    case "action": {
      const id = actionIds.get(row.action);
      if (!id) throw new Error(`no server action ${row.action} in the build`);
      const t = await row.target(c);
      const res = await invokeAction(request, row.page(c.w), id, t.args);
      const text = await res.text();
      const shown = shownIn(c.w, text, setCookiesOf(res));
      const redirect = res.headers()["x-action-redirect"];
      let base: Token;
      let detail: string | undefined;
      if (res.status() >= 300 && res.status() < 400) base = statusToken(res);
      else if (redirect) {
        const to = redirect.split(";")[0];
        base = to.startsWith("/signin") ? "→signin" : "ok";
        detail = `redirect ${to}`;
      } else if (res.status() >= 500) base = String(res.status());
      else {
        const result = actionResult(text) as { ok?: boolean; error?: string } | undefined;
        base = result?.ok === true ? "ok" : result?.ok === false ? "refused" : `?${res.status()}`;
        detail = result?.error;
      }
      const effect = await t.effect();
      await t.cleanup?.();
      return { obs: { token: withGrant(base, shows, shown, effect), shown, effect, detail }, hasEffect: true };
    }
    case "edge": {
      const { lessonId, key } = row.lesson(c.w);
      // Whatever cookies this persona can obtain: the player's own request for them.
      await request.post(`/api/lessons/${lessonId}/media-session`);
      const res = await request.get(`${e2e.edgeUrl}/${key}`, { maxRedirects: 0 });
      const text = await res.text();
      const code = /<Code>([A-Za-z]+)<\/Code>/.exec(text)?.[1];
      const granted = res.status() === 200 && text.startsWith("#EXTM3U");
      const problems = res.status() === 403 && code !== "MissingKey" && code !== "AccessDenied" ? [`edge 403 with code ${code ?? "(none)"}`] : [];
      return { obs: { token: granted ? "200+" : String(res.status()), shown: new Set(), detail: code, problems }, hasEffect: false };
    }
  }
}

/** Runs one cell and judges it. Never throws: an error is a failed cell. */
export async function runCell(row: Row, c: CellCtx, request: APIRequestContext, actionIds: Map<string, string>): Promise<CellResult> {
  const alternatives = expectationsOf(row)[c.persona];
  try {
    const { obs, hasEffect } = await observe(row, c, request, actionIds);
    let problems: string[] = [];
    for (const [i, expected] of alternatives.entries()) {
      const p = judge(expected, row.shows ?? [], obs, hasEffect);
      if (i === 0) problems = p;
      if (p.length === 0) {
        problems = [];
        break;
      }
    }
    return { row: row.name, persona: c.persona, expected: alternatives.join("|"), observed: obs.token, problems, detail: obs.detail };
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { row: row.name, persona: c.persona, expected: alternatives.join("|"), observed: "error", problems: [`error: ${message}`] };
  }
}
