/**
 * Fallback session secret for development and tests only. lib/env.ts refuses to start
 * production without NEXTAUTH_SECRET, and `npm start` writes a random one to .env.local.
 */
export const DEV_NEXTAUTH_SECRET = "insecure-development-secret-change-me-0000";
