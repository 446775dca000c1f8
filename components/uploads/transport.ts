import type { ApiErrorBody, SignedRequest } from "@/lib/uploads/wire";
import { ApiError, CancelledError, TransferError, retryDelayMs, shouldRetry } from "./protocol";

/** The browser's side of the wire: JSON requests to the app, PUTs to storage, waits, remembered upload ids. */

export async function api<T>(path: string, init: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
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
  const body = (await res.json().catch(() => null)) as Partial<ApiErrorBody> | null;
  if (!res.ok) throw new ApiError(body?.error?.message ?? `The server answered ${res.status}.`, res.status);
  return body as T;
}

/** PUT with upload progress (fetch has none); resolves with the ETag header when exposed. */
export function putBlob(target: SignedRequest, body: Blob, onProgress: (loaded: number) => void, signal: AbortSignal): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", target.url);
    for (const [k, v] of Object.entries(target.headers)) xhr.setRequestHeader(k, v);
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

/** Runs `fn(attempt)` until it succeeds, a failure is not worth retrying, or MAX_ATTEMPTS; waits retryDelayMs between tries. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (err instanceof CancelledError || signal.aborted) throw new CancelledError();
      if (!shouldRetry(err, attempt)) throw err;
      await sleep(retryDelayMs(attempt), signal);
    }
  }
}

/** The upload id remembered under `key` (resumeKey), if any. */
export function readSaved(key: string): string | null {
  try {
    const raw = window.localStorage.getItem(key);
    const v = raw ? (JSON.parse(raw) as { uploadId?: unknown }) : null;
    return typeof v?.uploadId === "string" ? v.uploadId : null;
  } catch {
    return null;
  }
}

/** Remembers (or, with null, forgets) the upload id under `key`. */
export function writeSaved(key: string, uploadId: string | null): void {
  try {
    if (uploadId) window.localStorage.setItem(key, JSON.stringify({ uploadId, savedAt: Date.now() }));
    else window.localStorage.removeItem(key);
  } catch {
    // Private mode or full storage: the upload works, it just cannot be resumed after a reload.
  }
}
