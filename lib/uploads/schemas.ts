/** Request shapes of the upload API (route handlers and domain functions parse with these). Pure. */
import { z } from "zod";
import { LANGUAGE_PATTERN, MAX_PARTS, UPLOAD_KINDS } from "./rules";
import type { CompleteUploadRequest, PresignPartsRequest, StartUploadRequest } from "./wire";

export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Invalid id.");

const CONTROL = /[\u0000-\u001f\u007f]/;

export const startUploadSchema = z.object({
  courseId: idSchema,
  lessonId: idSchema.optional(),
  kind: z.enum(UPLOAD_KINDS, { message: "Say what is uploaded: VIDEO, IMAGE, CAPTION or ATTACHMENT." }),
  fileName: z
    .string({ message: "Send the file's name." })
    .transform((s) => s.split(/[\\/]/).pop()!.trim())
    .pipe(
      z
        .string()
        .min(1, "The file has no name.")
        .max(255, "File names can be at most 255 characters.")
        .refine((s) => !CONTROL.test(s), "File names cannot contain control characters."),
    ),
  contentType: z.string().max(255, "Content-Type is too long.").default(""),
  bytes: z
    .number({ message: "Send the file's size in bytes." })
    .int("The file size must be a whole number of bytes.")
    .nonnegative("The file size cannot be negative."),
  /** CAPTION only: BCP 47 tag such as en or pt-BR. */
  language: z.string().trim().regex(LANGUAGE_PATTERN, "Choose the captions' language (e.g. en, pt-BR).").optional(),
  /** CAPTION only: the track name students see (default: the language's name). */
  label: z.string().trim().max(60, "Use at most 60 characters for the caption label.").optional(),
});
export type StartUploadInput = z.infer<typeof startUploadSchema>;

const partNumber = z
  .number()
  .int("Part numbers are whole numbers.")
  .min(1, "Part numbers start at 1.")
  .max(MAX_PARTS, `Part numbers go up to ${MAX_PARTS}.`);

export const presignPartsSchema = z.object({
  partNumbers: z.array(partNumber).min(1, "Ask for at least one part.").max(100, "Ask for at most 100 parts at a time."),
});

export const completeUploadSchema = z.object({
  /** Multipart only: the parts as the browser saw them (checked against what storage lists). */
  parts: z
    .array(z.object({ partNumber, etag: z.string().min(1, "Send each part's ETag.").max(200) }))
    .max(MAX_PARTS)
    .optional(),
});

// What the browser sends (wire.ts) is what these schemas accept (else this does not compile).
type Accepts<Schema extends z.ZodType, Body> = Body extends z.input<Schema> ? true : false;
type Assert<T extends true> = T;
type _RequestsAgree = [
  Assert<Accepts<typeof startUploadSchema, StartUploadRequest>>,
  Assert<Accepts<typeof presignPartsSchema, PresignPartsRequest>>,
  Assert<Accepts<typeof completeUploadSchema, CompleteUploadRequest>>,
];
