"use client";

import { useEffect, useId, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { buttonClass, inputClass, ProgressBar } from "@/components/ui";
import {
  CAPTION_LANGUAGES,
  KIND_RULES,
  acceptAttribute,
  checkFile,
  formatBytes,
  partRange,
  type UploadKind,
} from "@/lib/uploads/rules";

/**
 * Direct-to-storage uploader. The file is checked here with the same rules the server applies
 * (lib/uploads/rules.ts), so a wrong type or an oversized file is refused before a byte is
 * sent. Small files go in one presigned PUT; larger ones as an S3 multipart upload: parts in
 * parallel (3 at a time), each retried with backoff, URLs asked for on demand. The upload id is
 * remembered per (lesson, kind, file name + size + last modified) in localStorage: after a
 * reload or a network drop, picking the same file again sends only the parts storage lacks.
 */

const PARALLEL_PARTS = 3;
const MAX_ATTEMPTS = 5;
/** Part URLs are valid for an hour; ask again after 50 minutes. */
const URL_REUSE_MS = 50 * 60 * 1000;
const STORAGE_PREFIX = "lumen-upload:v1:";

const DEFAULT_LABELS: Record<UploadKind, string> = {
  VIDEO: "Video file",
  IMAGE: "Cover image",
  CAPTION: "Caption file",
  ATTACHMENT: "Attachment file",
};

const DONE_MESSAGES: Record<UploadKind, string> = {
  VIDEO: "Uploaded. The video is being processed; the page updates when it is ready.",
  IMAGE: "Cover image updated.",
  CAPTION: "Captions added.",
  ATTACHMENT: "Attachment added.",
};

type Phase = "idle" | "starting" | "uploading" | "paused" | "finishing" | "done" | "failed" | "cancelled";

type Transfer = { method: "PUT"; url: string; headers: Record<string, string> } | { method: "MULTIPART"; partSize: number; partCount: number };

interface StartedUpload {
  uploadId: string;
  assetId: string;
  bytes: number;
  transfer: Transfer;
}

interface UploadState {
  uploadId: string;
  assetId: string;
  bytes: number;
  method: "PUT" | "MULTIPART";
  partSize: number | null;
  partCount: number | null;
  parts: { partNumber: number; etag: string; size: number }[];
  put?: { url: string; headers: Record<string, string> };
}

interface PresignedPart {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
}

interface Session {
  uploadId: string;
  bytes: number;
  put?: { url: string; headers: Record<string, string> };
  plan?: { partSize: number; partCount: number };
  /** Parts already stored: partNumber -> { etag, size }. */
  done: Map<number, { etag: string; size: number }>;
}

class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** A PUT to storage that failed; `status` 0 = network error. */
class TransferError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "TransferError";
  }
}

class CancelledError extends Error {
  constructor() {
    super("Cancelled");
    this.name = "CancelledError";
  }
}

async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: init.body === undefined ? undefined : { "Content-Type": "application/json" },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: "no-store",
      signal: init.signal,
    });
  } catch (err) {
    if (init.signal?.aborted) throw new CancelledError();
    throw new TransferError(err instanceof Error ? err.message : "Network error", 0);
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!res.ok) throw new ApiError(body?.error?.message ?? `The server answered ${res.status}.`, res.status);
  return body as T;
}

/** PUT with upload progress (fetch has none); resolves with the ETag header when exposed. */
function putBlob(
  url: string,
  body: Blob,
  headers: Record<string, string>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      signal.removeEventListener("abort", onAbort);
      if (xhr.status >= 200 && xhr.status < 300) resolve(xhr.getResponseHeader("ETag"));
      else reject(new TransferError(`Storage answered ${xhr.status}.`, xhr.status));
    };
    xhr.onerror = () => {
      signal.removeEventListener("abort", onAbort);
      reject(new TransferError("Network error while sending the file.", 0));
    };
    xhr.onabort = () => reject(new CancelledError());
    const onAbort = () => xhr.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    xhr.send(body);
  });
}

function retryable(err: unknown): boolean {
  if (err instanceof TransferError) return err.status === 0 || err.status === 403 || err.status === 408 || err.status === 429 || err.status >= 500;
  if (err instanceof ApiError) return err.status === 429 || err.status >= 500;
  return false;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `fn(attempt)` up to MAX_ATTEMPTS times, waiting 1 s, 2 s, 4 s, 8 s (+ jitter) between tries. */
async function withRetry<T>(fn: (attempt: number) => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (err instanceof CancelledError || signal.aborted) throw new CancelledError();
      if (!retryable(err) || attempt + 1 >= MAX_ATTEMPTS) throw err;
      await sleep(1000 * 2 ** attempt + Math.random() * 500, signal);
    }
  }
}

function storageKeyFor(courseId: string, lessonId: string | undefined, kind: UploadKind, file: File): string {
  return `${STORAGE_PREFIX}${courseId}:${lessonId ?? "-"}:${kind}:${file.name}:${file.size}:${file.lastModified}`;
}

function readSaved(key: string): string | null {
  try {
    const raw = window.localStorage.getItem(key);
    const v = raw ? (JSON.parse(raw) as { uploadId?: unknown }) : null;
    return typeof v?.uploadId === "string" ? v.uploadId : null;
  } catch {
    return null;
  }
}

function writeSaved(key: string, uploadId: string | null): void {
  try {
    if (uploadId) window.localStorage.setItem(key, JSON.stringify({ uploadId, savedAt: Date.now() }));
    else window.localStorage.removeItem(key);
  } catch {
    // Private mode or full storage: the upload works, it just cannot be resumed after a reload.
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

interface Progress {
  sent: number;
  total: number;
  /** Bytes per second over the last few seconds (null until measurable). */
  speed: number | null;
}

export interface UploaderProps {
  kind: UploadKind;
  courseId: string;
  lessonId?: string;
  /** Label of the file input (Playwright finds the input by it). */
  label?: string;
  /** Extra hint under the input. */
  hint?: string;
  /** CAPTION: language preselected in the select. */
  defaultLanguage?: string;
  testId?: string;
}

export function Uploader({ kind, courseId, lessonId, label, hint, defaultLanguage = "en", testId }: UploaderProps) {
  const router = useRouter();
  const id = useId();
  const inputId = `${id}-file`;
  const languageId = `${id}-language`;
  const rule = KIND_RULES[kind];

  const [file, setFile] = useState<File | null>(null);
  const [language, setLanguage] = useState(defaultLanguage);
  const [phase, setPhase] = useState<Phase>("idle");
  const [status, setStatus] = useState("");
  /** Server or transfer error (role=alert). */
  const [error, setError] = useState<string | null>(null);
  /** Why the chosen file cannot be uploaded (checked here, before anything is sent). */
  const [fileError, setFileError] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);

  const inputRef = useRef<HTMLInputElement>(null);
  const abortRef = useRef<AbortController | null>(null);
  const uploadIdRef = useRef<string | null>(null);
  const savedKeyRef = useRef<string | null>(null);
  /** Live byte counters, read by a timer (state updates on every progress event would be too many). */
  const meterRef = useRef({ stored: 0, inflight: new Map<number, number>(), total: 0, samples: [] as { t: number; bytes: number }[] });

  const busy = phase === "starting" || phase === "uploading" || phase === "finishing";

  // Refresh the progress display 4 times a second while bytes are moving.
  useEffect(() => {
    if (phase !== "uploading") return;
    const timer = setInterval(() => {
      const m = meterRef.current;
      let inflight = 0;
      for (const v of m.inflight.values()) inflight += v;
      const sent = Math.min(m.total, m.stored + inflight);
      const now = performance.now();
      m.samples.push({ t: now, bytes: sent });
      while (m.samples.length > 2 && now - m.samples[0]!.t > 5000) m.samples.shift();
      const first = m.samples[0]!;
      const dt = (now - first.t) / 1000;
      const speed = dt >= 1 ? Math.max(0, (sent - first.bytes) / dt) : null;
      setProgress({ sent, total: m.total, speed });
    }, 250);
    return () => clearInterval(timer);
  }, [phase]);

  function precheck(f: File): string | null {
    const check = checkFile(kind, { fileName: f.name, contentType: f.type, bytes: f.size });
    return check.ok ? null : check.message;
  }

  function onFileChange(e: React.ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0] ?? null;
    setFile(f);
    setProgress(null);
    setPhase("idle");
    setStatus(f ? `${f.name} · ${formatBytes(f.size)}` : "");
    setError(null);
    setFileError(f ? precheck(f) : null);
  }

  async function openSession(f: File, signal: AbortSignal): Promise<{ session: Session; resumed: boolean }> {
    const key = storageKeyFor(courseId, lessonId, kind, f);
    savedKeyRef.current = key;
    const saved = readSaved(key);
    if (saved) {
      try {
        const state = await api<UploadState>(`/api/uploads/${saved}/parts`, { signal });
        const session: Session = {
          uploadId: state.uploadId,
          bytes: state.bytes,
          put: state.put,
          plan: state.method === "MULTIPART" && state.partSize && state.partCount ? { partSize: state.partSize, partCount: state.partCount } : undefined,
          done: new Map(state.parts.map((p) => [p.partNumber, { etag: p.etag, size: p.size }])),
        };
        if (session.bytes === f.size) return { session, resumed: true };
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        // Expired, finished or cancelled elsewhere: start again.
      }
      writeSaved(key, null);
    }
    const started = await api<StartedUpload>("/api/uploads", {
      method: "POST",
      signal,
      body: {
        courseId,
        lessonId,
        kind,
        fileName: f.name,
        contentType: f.type,
        bytes: f.size,
        ...(kind === "CAPTION" ? { language } : {}),
      },
    });
    writeSaved(key, started.uploadId);
    const t = started.transfer;
    return {
      session: {
        uploadId: started.uploadId,
        bytes: started.bytes,
        put: t.method === "PUT" ? { url: t.url, headers: t.headers } : undefined,
        plan: t.method === "MULTIPART" ? { partSize: t.partSize, partCount: t.partCount } : undefined,
        done: new Map(),
      },
      resumed: false,
    };
  }

  async function sendSingle(f: File, session: Session, signal: AbortSignal): Promise<void> {
    const m = meterRef.current;
    let put = session.put!;
    await withRetry(async (attempt) => {
      if (attempt > 0) {
        // The URL may have expired: ask for a fresh one.
        const state = await api<UploadState>(`/api/uploads/${session.uploadId}/parts`, { signal });
        if (state.put) put = state.put;
      }
      m.inflight.set(1, 0);
      await putBlob(put.url, f, put.headers, (loaded) => m.inflight.set(1, loaded), signal);
    }, signal);
    m.inflight.delete(1);
    m.stored = f.size;
  }

  async function sendParts(f: File, session: Session, outer: AbortSignal): Promise<void> {
    const plan = session.plan!;
    const m = meterRef.current;
    const pending: number[] = [];
    for (let n = 1; n <= plan.partCount; n++) if (!session.done.has(n)) pending.push(n);
    const urls = new Map<number, { url: string; headers: Record<string, string>; at: number }>();
    const inflight = new Set<number>();
    // One failing part stops the others (they are retried on resume).
    const local = new AbortController();
    const onOuter = () => local.abort();
    outer.addEventListener("abort", onOuter, { once: true });
    const signal = local.signal;

    async function urlFor(n: number, fresh: boolean) {
      const cached = urls.get(n);
      if (cached && !fresh && Date.now() - cached.at < URL_REUSE_MS) return cached;
      // Ask for this part and a few upcoming ones in one request.
      const batch = [n, ...pending.filter((p) => p !== n && !session.done.has(p) && !inflight.has(p) && !urls.has(p)).slice(0, 7)];
      const res = await api<{ parts: PresignedPart[] }>(`/api/uploads/${session.uploadId}/parts`, {
        method: "POST",
        body: { partNumbers: batch },
        signal,
      });
      for (const p of res.parts) urls.set(p.partNumber, { url: p.url, headers: p.headers, at: Date.now() });
      return urls.get(n)!;
    }

    let next = 0;
    async function worker() {
      while (next < pending.length && !signal.aborted) {
        const n = pending[next++]!;
        const { start, end } = partRange(plan, session.bytes, n);
        const blob = f.slice(start, end);
        inflight.add(n);
        const etag = await withRetry(async (attempt) => {
          const signed = await urlFor(n, attempt > 0);
          m.inflight.set(n, 0);
          return putBlob(signed.url, blob, signed.headers, (loaded) => m.inflight.set(n, loaded), signal);
        }, signal);
        inflight.delete(n);
        urls.delete(n);
        m.inflight.delete(n);
        session.done.set(n, { etag: (etag ?? "").replace(/"/g, ""), size: end - start });
        m.stored += end - start;
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
      m.inflight.clear();
    }
  }

  async function run() {
    if (!file) return;
    const message = precheck(file);
    if (message) {
      setFileError(message);
      return;
    }
    const f = file;
    const ac = new AbortController();
    abortRef.current = ac;
    setError(null);
    setPhase("starting");
    setStatus("Preparing the upload…");
    try {
      const { session, resumed } = await openSession(f, ac.signal);
      uploadIdRef.current = session.uploadId;
      const m = meterRef.current;
      m.total = f.size;
      m.inflight.clear();
      m.stored = [...session.done.values()].reduce((sum, p) => sum + p.size, 0);
      m.samples = [];
      setProgress({ sent: m.stored, total: f.size, speed: null });
      setPhase("uploading");
      if (resumed && session.plan) {
        setStatus(`Resuming: ${session.done.size} of ${session.plan.partCount} parts already uploaded.`);
      } else {
        setStatus(`Uploading ${f.name}…`);
      }
      if (session.plan) await sendParts(f, session, ac.signal);
      else await sendSingle(f, session, ac.signal);

      setProgress({ sent: f.size, total: f.size, speed: null });
      setPhase("finishing");
      setStatus("Checking the uploaded file…");
      const parts = session.plan ? [...session.done.entries()].map(([partNumber, p]) => ({ partNumber, etag: p.etag })) : undefined;
      // Without exposed ETags (storage CORS), the server relies on its own listing of the parts.
      const body = parts && parts.every((p) => p.etag) ? { parts } : {};
      await api(`/api/uploads/${session.uploadId}/complete`, { method: "POST", body, signal: ac.signal });
      writeSaved(savedKeyRef.current!, null);
      uploadIdRef.current = null;
      setPhase("done");
      setStatus(DONE_MESSAGES[kind]);
      setFile(null);
      if (inputRef.current) inputRef.current.value = "";
      router.refresh();
    } catch (err) {
      if (err instanceof CancelledError || ac.signal.aborted) return; // cancel() reports
      if (err instanceof ApiError && err.status === 422 && uploadIdRef.current) {
        // The server looked at the stored file and refused it (it is deleted).
        writeSaved(savedKeyRef.current!, null);
        uploadIdRef.current = null;
        setPhase("failed");
        setStatus("Upload refused.");
        setError(err.message);
        router.refresh();
        return;
      }
      if (err instanceof ApiError && !uploadIdRef.current) {
        // Refused at the start: nothing was sent.
        setPhase("idle");
        setStatus("");
        setProgress(null);
        setError(err.message);
        if (err.status === 409) router.refresh(); // e.g. another video of the lesson is on its way: show it
        return;
      }
      if (err instanceof ApiError && (err.status === 404 || (err.status === 409 && /expired|no longer|finished/.test(err.message)))) {
        writeSaved(savedKeyRef.current!, null);
        uploadIdRef.current = null;
        setPhase("failed");
        setStatus("");
        setError(`${err.message} Choose the file again to start over.`);
        return;
      }
      setPhase("paused");
      setStatus("Upload paused.");
      const reason = (err instanceof Error ? err.message : "unknown error").replace(/\.$/, "");
      setError(`The upload stopped (${reason}). Click “Resume upload”, or pick the same file again later: the parts already sent are kept.`);
    } finally {
      if (abortRef.current === ac) abortRef.current = null;
    }
  }

  async function cancel() {
    abortRef.current?.abort();
    abortRef.current = null;
    const uploadId = uploadIdRef.current;
    uploadIdRef.current = null;
    if (savedKeyRef.current) writeSaved(savedKeyRef.current, null);
    setPhase("cancelled");
    setProgress(null);
    setStatus("Cancelling…");
    if (uploadId) {
      try {
        await api(`/api/uploads/${uploadId}`, { method: "DELETE" });
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404)) {
          setError(`The upload was stopped but could not be discarded on the server: ${err instanceof Error ? err.message : "unknown error"}`);
        }
      }
    }
    setStatus("Upload cancelled.");
    router.refresh();
  }

  const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;
  const remaining = progress && progress.speed ? (progress.total - progress.sent) / progress.speed : null;
  const canUpload = Boolean(file) && !busy && phase !== "paused" && !fileError;
  const alert = fileError ?? error;

  return (
    <div className="space-y-3" data-testid={testId ?? "uploader"} data-kind={kind} data-phase={phase}>
      <div className="space-y-1">
        <label htmlFor={inputId} className="block text-sm font-medium text-slate-700">
          {label ?? DEFAULT_LABELS[kind]}
        </label>
        <input
          ref={inputRef}
          id={inputId}
          type="file"
          accept={acceptAttribute(kind)}
          onChange={onFileChange}
          disabled={busy}
          aria-describedby={`${id}-hint`}
          className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-lg file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 hover:file:bg-brand-100"
        />
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {rule.formats}, up to {formatBytes(rule.maxBytes)}.{hint ? ` ${hint}` : ""}
        </p>
      </div>

      {kind === "CAPTION" ? (
        <div className="space-y-1">
          <label htmlFor={languageId} className="block text-sm font-medium text-slate-700">
            Caption language
          </label>
          <select id={languageId} value={language} onChange={(e) => setLanguage(e.target.value)} disabled={busy} className={`${inputClass} max-w-xs`}>
            {CAPTION_LANGUAGES.map((l) => (
              <option key={l.tag} value={l.tag}>
                {l.label} ({l.tag})
              </option>
            ))}
          </select>
        </div>
      ) : null}

      {alert ? (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200">
          {alert}
        </p>
      ) : null}

      {progress && (phase === "uploading" || phase === "finishing" || phase === "paused") ? (
        <div className="space-y-1" data-testid="upload-progress" data-percent={percent}>
          <ProgressBar percent={percent} label="Upload progress" />
          <p className="flex flex-wrap justify-between gap-2 text-xs text-slate-600">
            <span>
              <span className="font-semibold text-slate-800">{percent}%</span> · {formatBytes(progress.sent)} of {formatBytes(progress.total)}
            </span>
            {phase === "uploading" && progress.speed ? (
              <span>
                {formatBytes(progress.speed)}/s{remaining !== null ? ` · ${formatDuration(remaining)} left` : ""}
              </span>
            ) : null}
          </p>
        </div>
      ) : null}

      <p role="status" aria-live="polite" className="text-sm text-slate-600" data-testid="upload-status">
        {status}
      </p>

      <div className="flex flex-wrap gap-2">
        {phase === "paused" ? (
          <button type="button" className={buttonClass("primary")} onClick={() => void run()}>
            Resume upload
          </button>
        ) : (
          <button type="button" className={buttonClass("primary")} disabled={!canUpload} onClick={() => void run()}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        )}
        {busy || phase === "paused" ? (
          <button type="button" className={buttonClass("secondary")} onClick={() => void cancel()} disabled={phase === "finishing"}>
            Cancel upload
          </button>
        ) : null}
      </div>
    </div>
  );
}
