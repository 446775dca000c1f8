/**
 * What the smoke check reads out of the app's pages: a lesson page's signed media URLs, lesson
 * links (to find a lesson with a video), and the CSP nonce on a page's scripts. Pure.
 */
import { Parser } from "htmlparser2";
import { lessonIdOf } from "./args";

export interface HtmlTag {
  name: string;
  attrs: Record<string, string>;
}

/**
 * The page's opening tags with their attributes, as htmlparser2 reads HTML: names lower-cased,
 * values entity-decoded, the first of a repeated attribute kept. Nothing inside `<script>`,
 * `<style>` or a comment counts (Next's inline payloads are not markup).
 */
export function htmlTags(html: string): HtmlTag[] {
  const tags: HtmlTag[] = [];
  new Parser({ onopentag: (name, attrs) => tags.push({ name, attrs }) }).end(html);
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
  return htmlTags(html)
    .filter((t) => t.name === "script" && t.attrs.nonce !== undefined)
    .map((t) => t.attrs.nonce);
}
