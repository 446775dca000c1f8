/** Reading what the transcoder wrote back, for tests: master and media playlists (pure). */

export interface MediaPlaylist {
  targetDuration: number;
  vod: boolean;
  ended: boolean;
  segments: { uri: string; seconds: number }[];
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const segments: MediaPlaylist["segments"] = [];
  let pending: number | null = null;
  for (const line of lines) {
    const inf = /^#EXTINF:([\d.]+)/.exec(line);
    if (inf) pending = Number(inf[1]);
    else if (line && !line.startsWith("#") && pending !== null) {
      segments.push({ uri: line, seconds: pending });
      pending = null;
    }
  }
  const target = /^#EXT-X-TARGETDURATION:(\d+)/m.exec(text);
  return {
    targetDuration: target ? Number(target[1]) : Number.NaN,
    vod: /^#EXT-X-PLAYLIST-TYPE:VOD$/m.test(text),
    ended: /^#EXT-X-ENDLIST$/m.test(text),
    segments,
  };
}

/** The variants of a master playlist: URI and RESOLUTION. */
export function masterVariants(text: string): { uri: string; resolution: string | null }[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const out: { uri: string; resolution: string | null }[] = [];
  lines.forEach((line, i) => {
    if (!line.startsWith("#EXT-X-STREAM-INF:")) return;
    out.push({ uri: lines[i + 1], resolution: /RESOLUTION=(\d+x\d+)/.exec(line)?.[1] ?? null });
  });
  return out;
}

/**
 * What makes a ladder playable and switchable: every rendition's playlist is a finished VOD
 * playlist, all have the same number of segments cut at the same instants (durations equal
 * index by index), no segment is longer than the target duration, and together they cover
 * `durationSeconds`. Returns a problem per line, empty when all hold.
 */
export function ladderProblems(playlists: Record<string, MediaPlaylist>, durationSeconds: number, tolerance = 0.1): string[] {
  const problems: string[] = [];
  const names = Object.keys(playlists);
  if (!names.length) return ["no renditions"];
  const first = playlists[names[0]];
  for (const name of names) {
    const p = playlists[name];
    if (!p.vod || !p.ended) problems.push(`${name}: not a finished VOD playlist`);
    if (!p.segments.length) problems.push(`${name}: no segments`);
    if (p.segments.length !== first.segments.length) problems.push(`${name}: ${p.segments.length} segments, ${names[0]} has ${first.segments.length}`);
    p.segments.forEach((s, i) => {
      const other = first.segments[i];
      if (other && Math.abs(s.seconds - other.seconds) > 0.01) problems.push(`${name}: segment ${i} lasts ${s.seconds} s, ${other.seconds} s in ${names[0]}`);
      if (s.seconds > p.targetDuration + 0.5) problems.push(`${name}: segment ${i} (${s.seconds} s) exceeds the target duration ${p.targetDuration}`);
    });
    const total = p.segments.reduce((a, s) => a + s.seconds, 0);
    if (Math.abs(total - durationSeconds) > tolerance) problems.push(`${name}: segments add up to ${total} s, the video lasts ${durationSeconds} s`);
  }
  return problems;
}
