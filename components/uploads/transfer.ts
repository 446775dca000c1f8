import { partRange } from "@/lib/uploads/rules";
import type { PresignedParts, StartedUpload, UploadState } from "@/lib/uploads/wire";
import {
  CancelledError,
  PARALLEL_PARTS,
  cleanEtag,
  completionBody,
  pendingParts,
  sessionFromStarted,
  sessionFromState,
  startRequest,
  uploadApi,
  type ByteMeter,
  type Session,
  type UploadTarget,
} from "./protocol";
import { PartUrls } from "./part-urls";
import { api, putBlob, readSaved, withRetry, writeSaved } from "./transport";

/** The steps of an upload in the browser (ADR 032): open or resume, send the bytes, complete. */

/**
 * Resumes the upload remembered under `key` (resumeKey of this file; storage tells which parts
 * it holds), or starts a new one and remembers its id there.
 */
export async function openSession(
  key: string,
  target: UploadTarget,
  file: File,
  language: string,
  signal: AbortSignal,
): Promise<{ session: Session; resumed: boolean }> {
  const saved = readSaved(key);
  if (saved) {
    try {
      const session = sessionFromState(await api<UploadState>(uploadApi.parts(saved), { signal }));
      if (session.bytes === file.size) return { session, resumed: true };
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      // Expired, finished or cancelled elsewhere: start again.
    }
    writeSaved(key, null);
  }
  const started = await api<StartedUpload>(uploadApi.start, { method: "POST", signal, body: startRequest(target, file, language) });
  writeSaved(key, started.uploadId);
  return { session: sessionFromStarted(started), resumed: false };
}

/** One presigned PUT of the whole file, retried (with a fresh URL) on failure. */
async function sendSingle(file: File, session: Session, meter: ByteMeter, signal: AbortSignal): Promise<void> {
  let put = session.put!;
  await withRetry(async (attempt) => {
    if (attempt > 0) {
      // The URL may have expired: ask for a fresh one.
      const state = await api<UploadState>(uploadApi.parts(session.uploadId), { signal });
      if (state.put) put = state.put;
    }
    meter.sending(1, 0);
    await putBlob(put, file, (loaded) => meter.sending(1, loaded), signal);
  }, signal);
  meter.partStored(1, file.size);
}

/**
 * The parts storage lacks, PARALLEL_PARTS at a time, each retried with backoff; part URLs are
 * asked for in batches ahead of need (./part-urls.ts) and again when old or after a failure. One failing
 * part stops the others (they are sent on resume).
 */
async function sendParts(file: File, session: Session, meter: ByteMeter, outer: AbortSignal): Promise<void> {
  const plan = session.plan!;
  const pending = pendingParts(session);
  const local = new AbortController();
  const onOuter = () => local.abort();
  outer.addEventListener("abort", onOuter, { once: true });
  const signal = local.signal;
  const urls = new PartUrls(
    pending,
    async (partNumbers) => (await api<PresignedParts>(uploadApi.parts(session.uploadId), { method: "POST", body: { partNumbers }, signal })).parts,
  );

  let next = 0;
  async function worker() {
    while (next < pending.length && !signal.aborted) {
      const n = pending[next++]!;
      const { start, end } = partRange(plan, session.bytes, n);
      const blob = file.slice(start, end);
      const etag = await withRetry(async (attempt) => {
        const signed = await urls.take(n, attempt > 0);
        meter.sending(n, 0);
        return putBlob(signed, blob, (loaded) => meter.sending(n, loaded), signal);
      }, signal);
      urls.release(n);
      session.done.set(n, { etag: cleanEtag(etag), size: end - start });
      meter.partStored(n, end - start);
    }
  }

  try {
    const workers = Array.from({ length: Math.min(PARALLEL_PARTS, pending.length) }, () =>
      worker().catch((err: unknown) => {
        local.abort();
        throw err;
      }),
    );
    const results = await Promise.allSettled(workers);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected" && !(r.reason instanceof CancelledError));
    if (failed) throw failed.reason;
    if (outer.aborted) throw new CancelledError();
    const cancelled = results.find((r) => r.status === "rejected");
    if (cancelled) throw (cancelled as PromiseRejectedResult).reason;
  } finally {
    outer.removeEventListener("abort", onOuter);
    meter.dropInflight();
  }
}

/** Sends what storage lacks: the parts of a multipart upload, or the whole file. */
export function sendFile(file: File, session: Session, meter: ByteMeter, signal: AbortSignal): Promise<void> {
  return session.plan ? sendParts(file, session, meter, signal) : sendSingle(file, session, meter, signal);
}

/** Asks the server to assemble and verify what was stored (409: parts missing; 422: refused). */
export async function completeSession(session: Session, signal: AbortSignal): Promise<void> {
  await api(uploadApi.complete(session.uploadId), { method: "POST", body: completionBody(session), signal });
}

/** Cancels the upload on the server (abort, objects and asset deleted). */
export async function discardSession(uploadId: string): Promise<void> {
  await api(uploadApi.upload(uploadId), { method: "DELETE" });
}
