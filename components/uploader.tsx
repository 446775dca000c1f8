"use client";

import { useId, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { buttonClass, inputClass, ProgressBar } from "@/components/ui";
import { useResumableUpload } from "@/components/uploads/use-resumable-upload";
import { CAPTION_LANGUAGES, KIND_RULES, acceptAttribute, checkFile, formatBytes, type UploadKind } from "@/lib/uploads/rules";

/**
 * Direct-to-storage uploader. The file is checked here with the same rules the server applies
 * (lib/uploads/rules.ts), so a wrong type or an oversized file is refused before a byte is
 * sent. The protocol (one PUT or parts 3 at a time with retries, resume after a reload,
 * cancel) is useResumableUpload (components/uploads/); this component draws it.
 */

const DEFAULT_LABELS: Record<UploadKind, string> = {
  VIDEO: "Video file",
  IMAGE: "Cover image",
  CAPTION: "Caption file",
  ATTACHMENT: "Attachment file",
};

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
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
  /** Why the chosen file cannot be uploaded (checked here, before anything is sent). */
  const [fileError, setFileError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);

  const upload = useResumableUpload({
    kind,
    courseId,
    lessonId,
    onDone: () => {
      setFile(null);
      if (inputRef.current) inputRef.current.value = "";
    },
    onServerChange: () => router.refresh(),
  });
  const { phase, progress, busy } = upload;

  function precheck(f: File): string | null {
    const check = checkFile(kind, { fileName: f.name, contentType: f.type, bytes: f.size });
    return check.ok ? null : check.message;
  }

  function onFileChange(e: React.ChangeEvent<HTMLInputElement>) {
    const f = e.target.files?.[0] ?? null;
    setFile(f);
    upload.select(f);
    setFileError(f ? precheck(f) : null);
  }

  function run() {
    if (!file) return;
    const message = precheck(file);
    if (message) {
      setFileError(message);
      return;
    }
    void upload.start(file, language);
  }

  const percent = progress && progress.total > 0 ? Math.floor((progress.sent / progress.total) * 100) : 0;
  const remaining = progress && progress.speed ? (progress.total - progress.sent) / progress.speed : null;
  const canUpload = Boolean(file) && !busy && phase !== "paused" && !fileError;
  const alert = fileError ?? upload.error;

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
        {upload.status}
      </p>

      <div className="flex flex-wrap gap-2">
        {phase === "paused" ? (
          <button type="button" className={buttonClass("primary")} onClick={run}>
            Resume upload
          </button>
        ) : (
          <button type="button" className={buttonClass("primary")} disabled={!canUpload} onClick={run}>
            {busy ? "Uploading…" : "Upload"}
          </button>
        )}
        {busy || phase === "paused" ? (
          <button type="button" className={buttonClass("secondary")} onClick={() => void upload.cancel()} disabled={phase === "finishing"}>
            Cancel upload
          </button>
        ) : null}
      </div>
    </div>
  );
}
