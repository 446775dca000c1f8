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
});

export type ServerEnv = z.infer<typeof serverSchema>;

function parseEnv(): ServerEnv {
  const result = serverSchema.safeParse(process.env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid server environment:\n${lines}`);
  }
  return result.data;
}

const globalForEnv = globalThis as unknown as { __serverEnv?: ServerEnv };
export const env: ServerEnv = (globalForEnv.__serverEnv ??= parseEnv());
