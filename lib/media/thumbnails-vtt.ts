/**
 * The thumbnails track of a video (`thumbnails.vtt`, written by the worker: worker/plan.ts
 * `thumbnailsVtt`): WebVTT cues whose text is `<sprite>#xywh=x,y,w,h`, a media fragment naming
 * one tile of the sprite image. Pure (no I/O): the player's thumbnail strip parses it in the
 * browser.
 *
 * Tolerant where WebVTT is (BOM, CRLF or CR line ends, cue identifiers, cue settings after the
 * timing, NOTE/STYLE/REGION blocks, hours left out), strict about what a strip needs: a cue
 * without a valid timing, with end ≤ start, or without a pixel `xywh` fragment of positive size
 * is skipped, and a text that does not start with `WEBVTT` has no cues at all.
 */

export interface ThumbnailCue {
  /** Seconds. */
  start: number;
  end: number;
  /** The image the fragment points into, as written (relative to the VTT, e.g. `thumbnails.jpg`). */
  image: string;
  /** The tile, in pixels of that image. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** At most this many cues are read (the worker writes ≤ 100). */
export const MAX_THUMBNAIL_CUES = 10_000;

const TIMESTAMP = /^(?:(\d{1,4}):)?([0-5]\d):([0-5]\d)[.,](\d{3})$/;
const TIMING = /^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$/;
// Media fragment: `xywh=[pixel:]x,y,w,h` (percent units cannot be drawn without the image's size).
const FRAGMENT = /^(.+?)#xywh=(?:pixel:)?(\d{1,6}),(\d{1,6}),(\d{1,6}),(\d{1,6})$/;

/** `hh:mm:ss.ttt` or `mm:ss.ttt` → seconds; null when it is not a WebVTT timestamp. */
export function parseVttTimestamp(text: string): number | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [, h, min, s, ms] = m;
  return (Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s)) + Number(ms) / 1000;
}

function parseCue(lines: string[]): ThumbnailCue | null {
  // An optional identifier line, then the timing line, then the payload.
  const at = lines[0].includes("-->") ? 0 : lines[1]?.includes("-->") ? 1 : -1;
  if (at < 0) return null; // NOTE, STYLE, REGION or something else
  const timing = TIMING.exec(lines[at].trim());
  if (!timing) return null;
  const start = parseVttTimestamp(timing[1]);
  const end = parseVttTimestamp(timing[2]);
  if (start === null || end === null || end <= start) return null;
  const payload = lines.slice(at + 1).find((l) => l.trim() !== "")?.trim();
  const fragment = payload ? FRAGMENT.exec(payload) : null;
  if (!fragment) return null;
  const [x, y, w, h] = fragment.slice(2).map(Number);
  if (w <= 0 || h <= 0) return null;
  return { start, end, image: fragment[1], x, y, w, h };
}

/** The cues of a thumbnails track, by start time; malformed cues are left out. */
export function parseThumbnailsVtt(text: string): ThumbnailCue[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0] ?? "")) return [];
  const cues: ThumbnailCue[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length > 0 && cues.length < MAX_THUMBNAIL_CUES) {
      const cue = parseCue(block);
      if (cue) cues.push(cue);
    }
    block = [];
  };
  // The header block (WEBVTT and any lines up to the first blank line) holds no cue.
  let i = 1;
  while (i < lines.length && lines[i].trim() !== "") i++;
  for (; i < lines.length; i++) {
    if (lines[i].trim() === "") flush();
    else block.push(lines[i]);
  }
  flush();
  return cues.sort((a, b) => a.start - b.start);
}

/**
 * At most `max` of `items`, evenly spaced, the first and the last always among them (all of
 * them when there are no more than `max`).
 */
export function evenlySpaced<T>(items: readonly T[], max: number): T[] {
  const n = items.length;
  const k = Math.floor(max);
  if (n <= k) return [...items];
  if (k <= 0) return [];
  if (k === 1) return [items[0]];
  return Array.from({ length: k }, (_, i) => items[Math.round((i * (n - 1)) / (k - 1))]);
}

/** Index of the last cue starting at or before `time` (the one a strip highlights); -1 before the first. */
export function activeCueIndex(cues: readonly { start: number }[], time: number): number {
  let lo = 0;
  let hi = cues.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].start <= time) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The smallest image that holds every tile: the sprite's size, for scaling it as a CSS background. */
export function spriteSize(cues: readonly ThumbnailCue[]): { width: number; height: number } {
  return {
    width: Math.max(0, ...cues.map((c) => c.x + c.w)),
    height: Math.max(0, ...cues.map((c) => c.y + c.h)),
  };
}
