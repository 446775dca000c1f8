/**
 * What the smoke check reads out of the app's pages: a lesson page's signed media URLs, lesson
 * links (to find a lesson with a video), and the CSP nonce on a page's scripts. Pure.
 */
import { lessonIdOf } from "./args";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

export interface HtmlTag {
  name: string;
  attrs: Record<string, string>;
}

const TAG = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR = /([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

/**
 * Opening tags with their attributes (names lower-cased, values entity-decoded). The contents of
 * `<script>` and `<style>` are skipped: Next's inline payloads are not markup.
 */
export function htmlTags(html: string): HtmlTag[] {
  const markup = html.replace(/(<(script|style)\b[^>]*>)[\s\S]*?(<\/\2\s*>)/gi, "$1$3");
  const tags: HtmlTag[] = [];
  for (const m of markup.matchAll(TAG)) {
    const attrs: Record<string, string> = {};
    for (const a of (m[2] ?? "").matchAll(ATTR)) {
      const name = a[1].toLowerCase();
      if (!(name in attrs)) attrs[name] = decodeHtmlEntities(a[2] ?? a[3] ?? a[4] ?? "");
    }
    tags.push({ name: m[1].toLowerCase(), attrs });
  }
  return tags;
}

export interface LessonPageMedia {
  /** The HLS master playlist: on the media origin (cookies) or the app's `/api/lessons/<id>/hls/…` (query). */
  manifestUrl: string | null;
  posterUrl: string | null;
  captionUrls: string[];
  attachmentUrls: string[];
}

/** The media URLs a lesson page renders for an entitled viewer, resolved against the page's URL. */
export function extractLessonMedia(html: string, pageUrl: URL | string): LessonPageMedia {
  const abs = (u: string) => new URL(u, pageUrl).toString();
  const out: LessonPageMedia = { manifestUrl: null, posterUrl: null, captionUrls: [], attachmentUrls: [] };
  for (const { name, attrs } of htmlTags(html)) {
    if (attrs["data-manifest-url"] && out.manifestUrl === null) out.manifestUrl = abs(attrs["data-manifest-url"]);
    if (name === "video" && attrs.poster && out.posterUrl === null) out.posterUrl = abs(attrs.poster);
    if (name === "track" && attrs.src) out.captionUrls.push(abs(attrs.src));
    if (name === "a" && attrs["data-testid"] === "attachment-link" && attrs.href) out.attachmentUrls.push(abs(attrs.href));
  }
  return out;
}

/** Lesson links of a page (dashboard "Start"/"Continue", a lesson's outline), as unique paths. */
export function lessonLinks(html: string): string[] {
  const seen = new Set<string>();
  for (const { name, attrs } of htmlTags(html)) {
    if (name !== "a" || !attrs.href) continue;
    const path = attrs.href.split(/[?#]/)[0];
    if (path.startsWith("/") && lessonIdOf(path)) seen.add(path);
  }
  return [...seen];
}

/** The per-request nonce of a `Content-Security-Policy` header (`'nonce-…'` in script-src). */
export function cspNonce(csp: string): string | null {
  const scriptSrc = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("script-src ")) ?? "";
  return /'nonce-([A-Za-z0-9+/=_-]+)'/.exec(scriptSrc)?.[1] ?? null;
}

/** The `nonce` attributes on the page's `<script>` tags. */
export function scriptNonces(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>/gi)) {
    const nonce = /\bnonce\s*=\s*"([^"]*)"/i.exec(m[1])?.[1];
    if (nonce !== undefined) out.push(decodeHtmlEntities(nonce));
  }
  return out;
}
