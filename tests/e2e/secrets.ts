/**
 * The session secret of the e2e server. playwright.config.ts passes it to the app as
 * NEXTAUTH_SECRET, and the `signInAs` fixture (tests/e2e/fixtures.ts) mints session cookies
 * with it. A test-only value: never used outside the e2e run.
 */
export const E2E_NEXTAUTH_SECRET = "e2e-only-nextauth-secret-0123456789-abcdefghij";
