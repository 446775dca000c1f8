import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    user?: {
      id: string;
      role: "STUDENT" | "INSTRUCTOR" | "ADMIN";
      /** The session version it was issued with (lib/auth/session.ts compares it with the user's). */
      sv?: number;
      /** The session's random id. */
      sid?: string;
      name?: string | null;
      email?: string | null;
      image?: string | null;
    };
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    role?: "STUDENT" | "INSTRUCTOR" | "ADMIN";
    /** The user's sessionVersion at sign-in. */
    sv?: number;
    /** A random session id, set at sign-in. */
    sid?: string;
  }
}
