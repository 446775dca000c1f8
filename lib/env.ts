import "server-only";
import { z } from "zod";
import { DEV_NEXTAUTH_SECRET } from "@/lib/auth/dev-secret";

/**
 * Server environment, parsed once. Secrets are required only in production; in
 * development `npm start` generates them into .env.local on first run
 * (scripts/ensure-env.ts). Client-visible values live in lib/env.client.ts.
 */
const isProduction = process.env.NODE_ENV === "production" && process.env.APP_ENV !== "local";

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v && v.trim() !== "" ? v : undefined));

const serverSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  /** "local" = the embedded default (SQLite, s3rver, local edge); "aws" = production services. */
  APP_ENV: z.enum(["local", "aws"]).default("local"),
  DATABASE_URL: z.string().default("file:./var/dev.db"),
  NEXTAUTH_URL: z.string().url().default("http://localhost:3000"),
  NEXTAUTH_SECRET: isProduction
    ? z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters in production")
    : z.string().min(1).default(DEV_NEXTAUTH_SECRET),
  GITHUB_ID: optionalString,
  GITHUB_SECRET: optionalString,
  /** Failed sign-ins allowed per (email, IP) within the window before a lock-out. */
  AUTH_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  AUTH_WINDOW_MINUTES: z.coerce.number().int().positive().default(15),

  // ---- media (docs: README "Media security") ----
  /** cloudfront: CloudFront (or the local edge) with signed URLs and cookies; s3-presigned: S3 presigned URLs only. */
  MEDIA_DELIVERY: z.enum(["cloudfront", "s3-presigned"]).default("cloudfront"),
  /** How the HLS player authenticates in cloudfront mode: signed cookies, or one policy query on every playlist URI. */
  MEDIA_HLS_AUTH: z.enum(["cookies", "query"]).default("cookies"),
  /** Public base URL of the CDN (CloudFront domain / alternate domain) or of the local edge. */
  MEDIA_BASE_URL: z.string().url().default("http://localhost:4000"),
  /** Cookie Domain for signed cookies when app and CDN are sibling subdomains (e.g. example.com). */
  MEDIA_COOKIE_DOMAIN: optionalString,
  MEDIA_TTL_IMAGE_SECONDS: z.coerce.number().int().min(5).max(7 * 86400).default(3600),
  MEDIA_TTL_DOWNLOAD_SECONDS: z.coerce.number().int().min(5).max(86400).default(300),
  /** Lifetime of streaming cookies / playlist policies; the player refreshes before expiry. */
  MEDIA_TTL_STREAM_SECONDS: z.coerce.number().int().min(5).max(86400).default(600),
  CLOUDFRONT_KEY_PAIR_ID: optionalString,
  CLOUDFRONT_PRIVATE_KEY: optionalString,
  CLOUDFRONT_PRIVATE_KEY_PATH: optionalString,
  CLOUDFRONT_EXTRA_KEYS: optionalString,
  CLOUDFRONT_HASH_ALGORITHM: z.enum(["SHA1", "SHA256"]).default("SHA1"),
  S3_BUCKET: z.string().min(1).default("media"),
  S3_REGION: z.string().min(1).default("us-east-1"),
  /** Custom endpoint (s3rver locally); unset on AWS. */
  S3_ENDPOINT: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
});

export type ServerEnv = z.infer<typeof serverSchema>;

function parseEnv(): ServerEnv {
  const result = serverSchema
    .superRefine((e, ctx) => {
      if (isProduction && e.MEDIA_DELIVERY === "cloudfront" && !e.CLOUDFRONT_KEY_PAIR_ID) {
        ctx.addIssue({ code: "custom", path: ["CLOUDFRONT_KEY_PAIR_ID"], message: "required in production with MEDIA_DELIVERY=cloudfront" });
      }
    })
    .safeParse(process.env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid server environment:\n${lines}`);
  }
  return result.data;
}

const globalForEnv = globalThis as unknown as { __serverEnv?: ServerEnv };
export const env: ServerEnv = (globalForEnv.__serverEnv ??= parseEnv());
