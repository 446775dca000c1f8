/**
 * Caption files to WebVTT, the only format browsers play in <track>. Pure.
 * SubRip (.srt) is converted: `,` decimal separators become `.`, coordinates after the
 * timings and `{\an8}`-style override tags are dropped, `<font>` tags removed, `<i> <b> <u>`
 * kept, and stray `&`/`<`/`>` escaped as WebVTT requires.
 */

export class CaptionFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CaptionFormatError";
  }
}

/** UTF-8 bytes to text (BOM dropped); anything else is refused with a message for the instructor. */
export function decodeCaptionBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new CaptionFormatError("This caption file is not UTF-8 text: save it as UTF-8 and upload it again.");
  }
}

const TIMING =
  /^[ \t]*(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})[ \t]*-->[ \t]*(\d{1,3}):(\d{1,2}):(\d{1,2})[,.](\d{1,3})(?:[ \t].*)?$/;

function ms(h: string, m: string, s: string, frac: string): number {
  return ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000 + Number(frac.padEnd(3, "0"));
}

/** 3723004 -> "01:02:03.004" */
export function formatVttTimestamp(totalMs: number): string {
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const s = Math.floor((totalMs % 60_000) / 1000);
  const f = totalMs % 1000;
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(h)}:${p(m)}:${p(s)}.${p(f, 3)}`;
}

const ALLOWED_TAG = /^<\/?(?:i|b|u)>$/i;
const ENTITY = /^&(?:amp|lt|gt|nbsp|lrm|rlm|#\d{1,7}|#x[0-9a-f]{1,6});/i;

/** Cue text for WebVTT: keeps <i>/<b>/<u>, drops <font> and {\…} tags, escapes the rest. */
export function cleanCueText(line: string): string {
  const stripped = line.replace(/\{\\[^}]*\}/g, "").replace(/<\/?font\b[^>]*>/gi, "");
  let out = "";
  for (let i = 0; i < stripped.length; i++) {
    const c = stripped[i]!;
    if (c === "<") {
      const close = stripped.indexOf(">", i);
      const tag = close > i ? stripped.slice(i, close + 1) : "";
      if (tag && ALLOWED_TAG.test(tag)) {
        out += tag.toLowerCase();
        i = close;
      } else {
        out += "&lt;";
      }
    } else if (c === ">") {
      out += "&gt;";
    } else if (c === "&") {
      const m = ENTITY.exec(stripped.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
      } else {
        out += "&amp;";
      }
    } else {
      out += c;
    }
  }
  return out.trimEnd();
}

/** SubRip text to a WebVTT document. Throws CaptionFormatError when it has no usable cue. */
export function srtToVtt(srt: string): string {
  const text = srt.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const blocks = text.split(/\n[ \t]*\n/);
  const cues: string[] = [];
  for (const block of blocks) {
    const lines = block.split("\n").filter((l, i, all) => !(i === 0 && l.trim() === "" && all.length > 1));
    if (lines.length === 0 || lines.every((l) => l.trim() === "")) continue;
    let i = 0;
    let id: string | undefined;
    if (/^\s*\d+\s*$/.test(lines[0]!) && lines[1] !== undefined && TIMING.test(lines[1])) {
      id = lines[0]!.trim();
      i = 1;
    }
    const m = TIMING.exec(lines[i] ?? "");
    if (!m) continue; // not a cue (stray text): dropped, as players do
    const start = ms(m[1]!, m[2]!, m[3]!, m[4]!);
    const end = ms(m[5]!, m[6]!, m[7]!, m[8]!);
    if (end <= start) continue;
    const body = lines
      .slice(i + 1)
      .map(cleanCueText)
      .filter((l) => l.trim() !== "");
    if (body.length === 0) continue;
    cues.push(`${id ? `${id}\n` : ""}${formatVttTimestamp(start)} --> ${formatVttTimestamp(end)}\n${body.join("\n")}`);
  }
  if (cues.length === 0) throw new CaptionFormatError("This SubRip file has no cues with valid timings (like 00:00:01,000 --> 00:00:04,000).");
  return `WEBVTT\n\n${cues.join("\n\n")}\n`;
}

/** Checks and normalises a WebVTT document (BOM removed, LF line ends, trailing newline). */
export function normalizeVtt(vtt: string): string {
  const text = vtt.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!/^WEBVTT(?:[ \t][^\n]*)?(?:\n|$)/.test(text)) {
    throw new CaptionFormatError("This WebVTT file does not start with the line “WEBVTT”.");
  }
  if (!/^[ \t]*(?:\d+:)?\d{2}:\d{2}\.\d{3}[ \t]+-->[ \t]+(?:\d+:)?\d{2}:\d{2}\.\d{3}/m.test(text)) {
    throw new CaptionFormatError("This WebVTT file has no cues with valid timings (like 00:01.000 --> 00:04.000).");
  }
  return text.endsWith("\n") ? text : `${text}\n`;
}

/** Caption bytes (WebVTT or SubRip, UTF-8) to the WebVTT text that is stored. */
export function toWebVtt(bytes: Uint8Array, format: "webvtt" | "srt"): string {
  const text = decodeCaptionBytes(bytes);
  return format === "webvtt" ? normalizeVtt(text) : srtToVtt(text);
}
