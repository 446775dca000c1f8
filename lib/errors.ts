/** Domain errors, mapped to HTTP statuses once in lib/http/handler.ts. */
export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
export class UnauthenticatedError extends AppError {
  constructor(message = "Sign in to continue.") {
    super(message, 401, "unauthenticated");
  }
}
export class ForbiddenError extends AppError {
  constructor(message = "You do not have access to this.", readonly reason?: string) {
    super(message, 403, "forbidden", reason ? { reason } : undefined);
  }
}
export class NotFoundError extends AppError {
  constructor(message = "Not found.") {
    super(message, 404, "not_found");
  }
}
export class ValidationError extends AppError {
  constructor(message: string, readonly fieldErrors: Record<string, string[]> = {}) {
    super(message, 422, "invalid", { fieldErrors });
  }
}
export class ConflictError extends AppError {
  constructor(message: string) {
    super(message, 409, "conflict");
  }
}
export class RateLimitedError extends AppError {
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message, 429, "rate_limited", { retryAfterSeconds });
  }
}
