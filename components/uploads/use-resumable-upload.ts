import { useEffect, useRef, useState } from "react";
import { formatBytes } from "@/lib/uploads/rules";
import {
  ApiError,
  ByteMeter,
  CancelledError,
  DONE_MESSAGES,
  failureOutcome,
  resumeKey,
  storedBytes,
  type Phase,
  type Progress,
  type UploadTarget,
} from "./protocol";
import { completeSession, discardSession, openSession, sendFile } from "./transfer";
import { writeSaved } from "./transport";

export type { Phase, Progress } from "./protocol";

export interface ResumableUploadOptions extends UploadTarget {
  /** The server's state changed (accepted, refused, cancelled, or a conflict to show): refresh the page's data. */
  onServerChange?: () => void;
  /** The upload was accepted (before onServerChange). */
  onDone?: () => void;
}

export interface ResumableUpload {
  phase: Phase;
  /** The status line (role=status). */
  status: string;
  /** Server or transfer error (role=alert). */
  error: string | null;
  /** Bytes sent of the total while uploading, finishing or paused. */
  progress: Progress | null;
  /** Starting, uploading or finishing. */
  busy: boolean;
  /** A file was chosen (or none): back to idle, its name and size as status. */
  select(file: File | null): void;
  /** Uploads the file, or resumes it: only what storage lacks is sent. */
  start(file: File, language: string): Promise<void>;
  /** Stops sending and discards the upload on the server. */
  cancel(): Promise<void>;
}

/**
 * The direct-to-storage upload protocol of ADR 032 as React state: start (or resume from the
 * upload id remembered in localStorage and the parts storage lists), one PUT or the parts
 * 3 at a time with retries, complete; cancel aborts and discards. The uploader only draws it.
 */
export function useResumableUpload({ kind, courseId, lessonId, onServerChange, onDone }: ResumableUploadOptions): ResumableUpload {
  const [phase, setPhase] = useState<Phase>("idle");
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);

  const abortRef = useRef<AbortController | null>(null);
  const uploadIdRef = useRef<string | null>(null);
  const savedKeyRef = useRef<string | null>(null);
  /** Live byte counters, read by a timer (state updates on every progress event would be too many). */
  const meterRef = useRef<ByteMeter>(new ByteMeter());

  // Refresh the progress display 4 times a second while bytes are moving.
  useEffect(() => {
    if (phase !== "uploading") return;
    const timer = setInterval(() => setProgress(meterRef.current.sample(performance.now())), 250);
    return () => clearInterval(timer);
  }, [phase]);

  function forget() {
    if (savedKeyRef.current) writeSaved(savedKeyRef.current, null);
    uploadIdRef.current = null;
  }

  function select(file: File | null) {
    setProgress(null);
    setPhase("idle");
    setStatus(file ? `${file.name} · ${formatBytes(file.size)}` : "");
    setError(null);
  }

  async function start(file: File, language: string) {
    const ac = new AbortController();
    abortRef.current = ac;
    setError(null);
    setPhase("starting");
    setStatus("Preparing the upload…");
    const target = { kind, courseId, lessonId };
    savedKeyRef.current = resumeKey(target, file);
    try {
      const { session, resumed } = await openSession(savedKeyRef.current, target, file, language, ac.signal);
      uploadIdRef.current = session.uploadId;
      const meter = meterRef.current;
      meter.reset(file.size, storedBytes(session));
      setProgress(meter.progress());
      setPhase("uploading");
      setStatus(resumed && session.plan ? `Resuming: ${session.done.size} of ${session.plan.partCount} parts already uploaded.` : `Uploading ${file.name}…`);
      await sendFile(file, session, meter, ac.signal);

      setProgress({ sent: file.size, total: file.size, speed: null });
      setPhase("finishing");
      setStatus("Checking the uploaded file…");
      await completeSession(session, ac.signal);
      forget();
      setPhase("done");
      setStatus(DONE_MESSAGES[kind]);
      onDone?.();
      onServerChange?.();
    } catch (err) {
      if (err instanceof CancelledError || ac.signal.aborted) return; // cancel() reports
      const outcome = failureOutcome(err, uploadIdRef.current !== null);
      if (outcome.forget) forget();
      setPhase(outcome.phase);
      setStatus(outcome.status);
      if (outcome.clearProgress) setProgress(null);
      setError(outcome.error);
      if (outcome.refresh) onServerChange?.();
    } finally {
      if (abortRef.current === ac) abortRef.current = null;
    }
  }

  async function cancel() {
    abortRef.current?.abort();
    abortRef.current = null;
    const uploadId = uploadIdRef.current;
    forget();
    setPhase("cancelled");
    setProgress(null);
    setStatus("Cancelling…");
    if (uploadId) {
      try {
        await discardSession(uploadId);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          setError(`The upload was stopped but could not be discarded on the server: ${err instanceof Error ? err.message : "unknown error"}`);
        }
      }
    }
    setStatus("Upload cancelled.");
    onServerChange?.();
  }

  const busy = phase === "starting" || phase === "uploading" || phase === "finishing";
  return { phase, status, error, progress, busy, select, start, cancel };
}
