import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { ffmpegPath, FfmpegTimeoutError, runFfmpeg, runLimited } from "@/worker/ffmpeg";
import { ProbeError, probeMedia } from "@/worker/probe";

/**
 * How the worker runs ffmpeg on an uploaded source (ADR 046): the demuxer forced from the
 * magic bytes, nested opens limited to local files, and a wall-clock limit that kills the
 * whole process group.
 */

let dir: string;
let server: http.Server;
let port: number;
const hits: string[] = [];
/** A real MPEG-TS segment outside the job's scratch file: what a crafted playlist would pull in. */
let secret: string;

/** Live (not zombie) processes of process group `pgid` (Linux /proc). */
/** The group's members once it is empty, or whoever is still in it after `ms`. */
async function groupEmptyWithin(pgid: number, ms: number): Promise<number[]> {
  const until = Date.now() + ms;
  let members = groupMembers(pgid);
  while (members.length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    members = groupMembers(pgid);
  }
  return members;
}

function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") out.push(Number(pid));
  }
  return out;
}

function playlist(name: string, uris: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, ["#EXTM3U", "#EXT-X-TARGETDURATION:10", ...uris.flatMap((u) => ["#EXTINF:2,", u]), "#EXT-X-ENDLIST", ""].join("\n"));
  return file;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ffmpeg-hardening-"));
  server = http.createServer((req, res) => {
    hits.push(req.url ?? "");
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
  secret = path.join(dir, "secret.ts");
  await runFfmpeg(["-hide_banner", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-f", "mpegts", secret]);
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("an HLS playlist saved as .mp4", () => {
  it("is opened by an unhardened `ffmpeg -i` as HLS, which reads the local file it names (the attack)", () => {
    const file = playlist("control.mp4", [`file://${secret}`]);
    const run = spawnSync(ffmpegPath(), ["-hide_banner", "-nostdin", "-i", file], { encoding: "utf8" });
    expect(run.stderr).toMatch(/Input #0, hls/);
    expect(run.stderr).toMatch(/Video: h264/); // the secret's stream
  });

  it("is refused by the probe with the demuxer forced: nothing it names is read, no host is asked", async () => {
    hits.length = 0;
    const file = playlist("source.mp4", ["file:///etc/passwd", `file://${secret}`, `http://127.0.0.1:${port}/segment.ts`]);
    const err = await probeMedia({ file, demuxer: "mov" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProbeError);
    expect((err as ProbeError).detail).toMatch(/Invalid data found when processing input/);
    expect((err as ProbeError).detail).not.toMatch(/hls|h264/i);
    const webm = await probeMedia({ file, demuxer: "matroska" }).catch((e: unknown) => e);
    expect(webm).toBeInstanceOf(ProbeError);
    expect(hits).toEqual([]);
  });

  it("the whitelist keeps a nested open on local files even where a demuxer follows references", () => {
    hits.length = 0;
    const file = playlist("nested.m3u8", [`http://127.0.0.1:${port}/a.ts`]);
    const run = spawnSync(ffmpegPath(), ["-hide_banner", "-nostdin", "-protocol_whitelist", "file,pipe", "-f", "hls", "-i", file], { encoding: "utf8" });
    expect(run.stderr).toMatch(/Protocol 'http' not on whitelist 'file,pipe'/);
    expect(hits).toEqual([]);
  });
});

describe("the time limit", () => {
  it("kills the whole process group past the deadline and says so", async () => {
    let pid = 0;
    const started = Date.now();
    const run = runLimited("sh", ["-c", "sleep 30 & sleep 30; wait"], { deadline: { startedAt: Date.now(), limitSeconds: 0.5 } });
    // The shell and its background sleep share the group whose id is the shell's pid.
    await new Promise((r) => setTimeout(r, 200));
    for (const p of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
      let cmd = "";
      try {
        cmd = fs.readFileSync(`/proc/${p}/cmdline`, "utf8");
      } catch {
        // gone meanwhile
      }
      if (cmd === "sh\0-c\0sleep 30 & sleep 30; wait\0" && groupMembers(Number(p)).length > 0) pid = Number(p);
    }
    expect(pid).toBeGreaterThan(0);
    expect(groupMembers(pid).length).toBeGreaterThanOrEqual(2);
    const err = await run.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegTimeoutError);
    expect((err as FfmpegTimeoutError).limitSeconds).toBe(0.5);
    expect(Date.now() - started).toBeLessThan(5_000);
    // SIGKILL to the group is delivered asynchronously: the shell's exit (which settles the run)
    // can come before a busy machine has scheduled the background sleep to die.
    expect(await groupEmptyWithin(pid, 2_000)).toEqual([]);
  });

  it("refuses to start once the deadline has passed", async () => {
    await expect(runLimited("sh", ["-c", "exit 0"], { deadline: { startedAt: Date.now() - 2_000, limitSeconds: 1 } })).rejects.toBeInstanceOf(FfmpegTimeoutError);
  });

  it("an aborted run is killed with its group too", async () => {
    const stop = new AbortController();
    const run = runLimited("sh", ["-c", "sleep 30 & sleep 30; wait"], { signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    expect((await run).code).toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
