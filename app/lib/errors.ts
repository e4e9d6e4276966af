/**
 * Expected failures carry their HTTP status and a message a person can read.
 * Anything that is not an AppError is a bug and becomes a 500.
 */
export class AppError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    /** Per-field messages for forms (field name → message). */
    public readonly fieldErrors: Record<string, string> = {},
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (message: string, fieldErrors: Record<string, string> = {}) => new AppError(400, message, fieldErrors);
export const unprocessable = (message: string, fieldErrors: Record<string, string> = {}) => new AppError(422, message, fieldErrors);
export const unauthorized = (message = "Please sign in to continue.") => new AppError(401, message);
export const forbidden = (message = "You are not allowed to do that.") => new AppError(403, message);
export const notFound = (message = "We couldn't find that.") => new AppError(404, message);
export const conflict = (message: string, fieldErrors: Record<string, string> = {}) => new AppError(409, message, fieldErrors);
export const tooLarge = (message: string) => new AppError(413, message);
export const unsupportedMedia = (message: string) => new AppError(415, message);
export const tooManyRequests = (message: string, retryAfterSeconds: number) =>
  new AppError(429, message, {}, { "Retry-After": String(retryAfterSeconds) });

/** Throws a 404 (or the given status) when the value is missing — Epic Stack's invariantResponse. */
export function invariantResponse<T>(
  value: T | null | undefined | false,
  message = "We couldn't find that.",
  status = 404,
): asserts value is T {
  if (!value) throw new AppError(status, message);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** True for a SQLite UNIQUE constraint failure (drizzle wraps the D1 error in `cause`). */
export function isUniqueViolation(e: unknown): boolean {
  for (let x: unknown = e, i = 0; x && i < 4; x = (x as { cause?: unknown }).cause, i++) {
    if (/UNIQUE constraint failed/i.test(String((x as Error).message ?? x))) return true;
  }
  return false;
}
