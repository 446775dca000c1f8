import path from "node:path";
import { runFfmpeg } from "@/worker/ffmpeg";

/** A real MP4 (H.264 test pattern + AAC sine) of `size` (`WxH`) and `seconds`, written to `file`. */
export async function makeTestClip(file: string, size: string, seconds: number): Promise<string> {
  await runFfmpeg([
    "-hide_banner", "-nostdin", "-y",
    "-f", "lavfi", "-i", `testsrc2=s=${size}:r=25:d=${seconds}`,
    "-f", "lavfi", "-i", `sine=f=440:sample_rate=48000:d=${seconds}`,
    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
    path.resolve(file),
  ]);
  return file;
}
