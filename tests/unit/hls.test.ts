import { describe, expect, it } from "vitest";
import { isMasterPlaylist, playlistUris, resolvePlaylistUri, rewritePlaylist } from "@/lib/media/hls";

const master = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",URI="captions/en.m3u8"
#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,SUBTITLES="subs"
360p/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2500000,RESOLUTION=1280x720,SUBTITLES="subs"
720p/index.m3u8
#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,URI="360p/iframes.m3u8"
`;

const media = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:6
#EXT-X-MAP:URI="init.mp4"
#EXT-X-KEY:METHOD=AES-128,URI="../keys/k1.key"
#EXTINF:6.0,
seg_000.m4s
#EXTINF:6.0,
seg_001.m4s?v=2
#EXTINF:2.5,
https://cdn.example.com/abs.m4s
#EXT-X-ENDLIST
`;

describe("resolvePlaylistUri", () => {
  it("resolves relative, parent and root-relative URIs", () => {
    expect(resolvePlaylistUri("c/l/video/a/master.m3u8", "360p/index.m3u8")).toBe("c/l/video/a/360p/index.m3u8");
    expect(resolvePlaylistUri("c/l/video/a/360p/index.m3u8", "../keys/k.key")).toBe("c/l/video/a/keys/k.key");
    expect(resolvePlaylistUri("c/l/master.m3u8", "seg.ts?x=1")).toBe("c/l/seg.ts");
    expect(resolvePlaylistUri("c/l/master.m3u8", "/other/seg.ts")).toBe("other/seg.ts");
    expect(resolvePlaylistUri("c/l/master.m3u8", "https://x/y.ts")).toBeNull();
    expect(resolvePlaylistUri("master.m3u8", "../../etc/passwd")).toBeNull();
  });
});

describe("rewritePlaylist", () => {
  it("classifies URIs in a master playlist", () => {
    expect(isMasterPlaylist(master)).toBe(true);
    const refs = playlistUris(master, "v/master.m3u8");
    expect(refs.map((r) => [r.kind, r.path])).toEqual([
      ["playlist", "v/captions/en.m3u8"],
      ["playlist", "v/360p/index.m3u8"],
      ["playlist", "v/720p/index.m3u8"],
      ["playlist", "v/360p/iframes.m3u8"],
    ]);
  });

  it("classifies URIs in a media playlist, keeping absolute URLs visible", () => {
    expect(isMasterPlaylist(media)).toBe(false);
    const refs = playlistUris(media, "v/360p/index.m3u8");
    expect(refs.map((r) => [r.kind, r.path])).toEqual([
      ["segment", "v/360p/init.mp4"],
      ["key", "v/keys/k1.key"],
      ["segment", "v/360p/seg_000.m4s"],
      ["segment", "v/360p/seg_001.m4s"],
      ["segment", null],
    ]);
  });

  it("rewrites every URI and leaves everything else byte for byte", () => {
    const out = rewritePlaylist(media, "v/360p/index.m3u8", (r) => (r.path ? `https://edge/${r.path}?Policy=P&Signature=S&Key-Pair-Id=K` : r.raw));
    expect(out).toContain('#EXT-X-MAP:URI="https://edge/v/360p/init.mp4?Policy=P&Signature=S&Key-Pair-Id=K"');
    expect(out).toContain("\nhttps://edge/v/360p/seg_000.m4s?Policy=P&Signature=S&Key-Pair-Id=K\n");
    expect(out).toContain("\nhttps://cdn.example.com/abs.m4s\n");
    expect(out).toContain("#EXTINF:6.0,\n");
    expect(out.split("\n")).toHaveLength(media.split("\n").length);
    const same = rewritePlaylist(master, "m.m3u8", (r) => r.raw);
    expect(same).toBe(master);
  });

  it("refuses text that is not a playlist", () => {
    expect(() => rewritePlaylist("<html>", "x.m3u8", (r) => r.raw)).toThrow(/EXTM3U/);
  });
});
