/**
 * One smoke run: the account step (when credentials are given), then every check in
 * SMOKE_CHECKS order, each reported as it finishes. scripts/smoke.ts prints what it reports.
 */
import { findLesson, signIn } from "./account";
import type { SmokeOptions } from "./args";
import { runSmokeCheck, type SmokeState } from "./checks";
import { FetchClient, short, type SmokeClient } from "./http";
import { SMOKE_CHECKS, type CheckResult } from "./results";

export interface SmokeRunIo {
  /** An information line (`# …`). */
  log: (line: string) => void;
  /** A check's result, as soon as it is known. */
  report: (result: CheckResult) => void;
  /** The HTTP client (default: FetchClient with the options' timeout). */
  http?: SmokeClient;
  sleep?: (ms: number) => Promise<void>;
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the account step and every check; resolves to the results in SMOKE_CHECKS order. */
export async function runSmoke(opts: SmokeOptions, io: SmokeRunIo): Promise<CheckResult[]> {
  const http = io.http ?? new FetchClient(opts.timeoutMs, opts.media);
  const state: SmokeState = { opts, http, lesson: null, mediaResponses: [], signedUrls: [], streamingCookie: null, log: io.log, sleep: io.sleep ?? sleepFor };
  io.log(`# smoke check: app ${opts.app.origin}, media ${opts.media.origin}${opts.bucketUrl ? `, bucket ${opts.bucketUrl.origin}` : ""}`);
  if (opts.email) {
    try {
      await signIn(http, opts);
      const lesson = await findLesson(http, opts);
      state.lesson = lesson;
      io.log(`# signed in as ${opts.email}; lesson ${lesson.pageUrl.pathname} (video ${short(lesson.media.manifestUrl!)})`);
    } catch (err) {
      state.lesson = err instanceof Error ? err : new Error(String(err));
      io.log(`# account: ${state.lesson.message}`);
    }
  }

  const results: CheckResult[] = [];
  for (const name of SMOKE_CHECKS) {
    const result = await runSmokeCheck(name, state);
    results.push(result);
    io.report(result);
  }
  return results;
}
