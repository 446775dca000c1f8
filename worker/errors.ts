import "server-only";

import { FfmpegError } from "./ffmpeg";

/** A failure that another attempt cannot fix (not a video, source gone, bad payload). */
export class PermanentJobError extends Error {
  constructor(
    message: string,
    readonly detail = "",
  ) {
    super(message);
    this.name = "PermanentJobError";
  }
}

/** The worker is shutting down: the job goes back to the queue. */
export class ShutdownError extends Error {
  constructor() {
    super("Worker shutting down");
    this.name = "ShutdownError";
  }
}

/** Text for Job.error / Asset.error from a failure: ffmpeg's own reason when it has one. */
export function describeFailure(err: unknown): { job: string; asset: string } {
  if (err instanceof FfmpegError) {
    return { job: `${err.message}\n${err.stderrTail}`.trim(), asset: `Transcoding failed: ${err.message}` };
  }
  if (err instanceof PermanentJobError) {
    return { job: err.detail ? `${err.message}\n${err.detail}` : err.message, asset: err.message };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { job: err instanceof Error && err.stack ? err.stack : message, asset: `Processing failed: ${message}` };
}
