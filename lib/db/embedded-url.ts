/** Where the embedded PostgreSQL server listens and how to log in (local development values, not secrets). Pure. */
export const EMBEDDED_DB_USER = "lumen";
export const EMBEDDED_DB_PASSWORD = "lumen-local-only";

export function embeddedDatabaseUrl(port: number, database: string, user = EMBEDDED_DB_USER, password = EMBEDDED_DB_PASSWORD): string {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}
