/**
 * HLS playlist rewriting, pure (no I/O): shared by the app's playlist route (cookie-less
 * CloudFront mode and S3-presigned mode) and the tests.
 *
 * Every URI in a playlist — the URI lines after EXT-X-STREAM-INF / segment tags, and the
 * URI="…" attributes of EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-MAP, EXT-X-KEY,
 * EXT-X-PART, EXT-X-PRELOAD-HINT and EXT-X-RENDITION-REPORT — is passed to `map`
 * with its kind, resolved against the playlist's own path.
 */

export type UriKind = "playlist" | "segment" | "key";

export interface UriRef {
  /** The URI exactly as written in the playlist. */
  raw: string;
  /** Resolved against the playlist's folder; null for absolute URLs (http:, https:, data:). */
  path: string | null;
  kind: UriKind;
}

const ATTR_URI = /URI="([^"]*)"/g;

function kindOfTag(tag: string, uri: string): UriKind {
  if (tag === "#EXT-X-KEY" || tag === "#EXT-X-SESSION-KEY") return "key";
  if (tag === "#EXT-X-MEDIA" || tag === "#EXT-X-I-FRAME-STREAM-INF" || tag === "#EXT-X-RENDITION-REPORT") return "playlist";
  if (tag === "#EXT-X-MAP" || tag === "#EXT-X-PART" || tag === "#EXT-X-PRELOAD-HINT") return "segment";
  return /\.m3u8?($|\?)/i.test(uri) ? "playlist" : "segment";
}

/** Resolves a relative URI against a playlist path ("a/b/index.m3u8" + "../c.ts" -> "a/c.ts"). */
export function resolvePlaylistUri(playlistPath: string, uri: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri)) return null;
  const [pathPart] = uri.split(/[?#]/, 1);
  const base = uri.startsWith("/") ? [] : playlistPath.split("/").slice(0, -1);
  for (const seg of pathPart.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (base.length === 0) return null; // escapes the root: refuse
      base.pop();
    } else base.push(seg);
  }
  return base.join("/");
}

export function isMasterPlaylist(text: string): boolean {
  return /^#EXT-X-STREAM-INF/m.test(text);
}

export function rewritePlaylist(text: string, playlistPath: string, map: (ref: UriRef) => string): string {
  if (!text.startsWith("#EXTM3U")) throw new Error("Not an HLS playlist (missing #EXTM3U).");
  const master = isMasterPlaylist(text);
  const ref = (raw: string, kind: UriKind): UriRef => ({ raw, path: resolvePlaylistUri(playlistPath, raw), kind });
  const lines = text.split(/\r?\n/);
  return lines
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === "") return line;
      if (trimmed.startsWith("#")) {
        if (!trimmed.includes('URI="')) return line;
        const tag = trimmed.split(":", 1)[0];
        return line.replace(ATTR_URI, (_m, uri: string) => `URI="${map(ref(uri, kindOfTag(tag, uri)))}"`);
      }
      // A URI line: a variant playlist in a master playlist, a segment in a media playlist.
      return map(ref(trimmed, master ? "playlist" : kindOfTag("", trimmed)));
    })
    .join("\n");
}

/** Lists every path a playlist refers to (for tests and pre-flight checks). */
export function playlistUris(text: string, playlistPath: string): UriRef[] {
  const out: UriRef[] = [];
  rewritePlaylist(text, playlistPath, (r) => {
    out.push(r);
    return r.raw;
  });
  return out;
}
