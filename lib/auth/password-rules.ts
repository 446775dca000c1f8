/** Password strength rules, shared by the sign-up form (client) and the server. */
const COMMON = new Set([
  "password",
  "password1",
  "password123",
  "12345678",
  "123456789",
  "1234567890",
  "qwertyuiop",
  "iloveyou",
  "letmein123",
  "welcome123",
  "admin1234",
]);

export const PASSWORD_MIN_LENGTH = 10;

/** Returns what is wrong with the password, or null when it is acceptable. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > 200) return "Use at most 200 characters.";
  if (COMMON.has(password.toLowerCase())) return "This password is too common.";
  if (!/[a-zA-Z]/.test(password) || !/[^a-zA-Z]/.test(password)) {
    return "Mix letters with at least one digit or symbol.";
  }
  if (email && password.toLowerCase().includes(email.split("@")[0].toLowerCase()) && email.split("@")[0].length >= 4) {
    return "Do not include your email name in the password.";
  }
  return null;
}
