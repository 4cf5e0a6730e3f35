'use strict';
/**
 * Typed errors carrying the API's error codes; each class owns its default code.
 *
 *   MusicGenAPIError           any answer the API refused (code, status, details): INTERNAL
 *   ├── AuthenticationError    UNAUTHORIZED: missing, wrong or revoked key
 *   ├── NotFoundError          NOT_FOUND / MODEL_NOT_FOUND
 *   ├── RateLimitError         RATE_LIMITED / CONCURRENCY_LIMIT / QUOTA_EXCEEDED (retryAfterMs)
 *   └── APIConnectionError     CONNECTION_ERROR / TIMEOUT: no answer
 *
 * ERROR_CLASSES gives the class of every code the server sends (the same codes as the Python
 * package's ErrorCode; a test checks that the tables agree).
 */

class MusicGenAPIError extends Error {
  static code = 'INTERNAL';

  constructor(message, { code = new.target.code, status = null, details = {} } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

class AuthenticationError extends MusicGenAPIError {
  static code = 'UNAUTHORIZED';
}

class NotFoundError extends MusicGenAPIError {
  static code = 'NOT_FOUND';
}

class APIConnectionError extends MusicGenAPIError {
  static code = 'CONNECTION_ERROR';
}

class RateLimitError extends MusicGenAPIError {
  static code = 'RATE_LIMITED';

  constructor(message, { retryAfterMs = null, ...rest } = {}) {
    super(message, rest);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The error class of each code the server sends. */
const ERROR_CLASSES = Object.freeze({
  INVALID_PROMPT: MusicGenAPIError,
  INVALID_PARAMETER: MusicGenAPIError,
  UNSUPPORTED_OPERATION: MusicGenAPIError,
  UNAUTHORIZED: AuthenticationError,
  NOT_FOUND: NotFoundError,
  MODEL_NOT_FOUND: NotFoundError,
  METHOD_NOT_ALLOWED: MusicGenAPIError,
  IDEMPOTENCY_CONFLICT: MusicGenAPIError,
  RANGE_NOT_SATISFIABLE: MusicGenAPIError,
  RATE_LIMITED: RateLimitError,
  CONCURRENCY_LIMIT: RateLimitError,
  QUOTA_EXCEEDED: RateLimitError,
  INTERNAL: MusicGenAPIError,
  GENERATION_FAILED: MusicGenAPIError,
  CANCELLED: MusicGenAPIError,
  MODEL_UNAVAILABLE: MusicGenAPIError,
  SERVICE_UNAVAILABLE: MusicGenAPIError,
});

// The code of an answer without an envelope (a proxy's, say), from its HTTP status.
const CODE_BY_STATUS = {
  400: 'INVALID_PARAMETER', 401: 'UNAUTHORIZED', 403: 'UNAUTHORIZED', 404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED', 409: 'IDEMPOTENCY_CONFLICT', 413: 'INVALID_PARAMETER',
  416: 'RANGE_NOT_SATISFIABLE', 422: 'INVALID_PARAMETER', 429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Build the right error from an envelope's `error` object (status is null for WebSocket).
 * The class follows the code; a code this SDK does not know keeps its value and takes the
 * class of the HTTP status.
 */
function errorFromEnvelope(error, { status = null, retryAfterMs = null } = {}) {
  const byStatus = CODE_BY_STATUS[status] || 'INTERNAL';
  const code = String((error && error.code) || byStatus);
  const ErrorClass = Object.hasOwn(ERROR_CLASSES, code) ? ERROR_CLASSES[code] : ERROR_CLASSES[byStatus];
  const message = String((error && error.message) || code);
  const details = error && typeof error.details === 'object' && error.details ? error.details : {};
  if (ErrorClass === RateLimitError) {
    if (retryAfterMs === null && typeof details.retry_after === 'number') {
      retryAfterMs = details.retry_after * 1000;
    }
    return new RateLimitError(message, { code, status, details, retryAfterMs });
  }
  return new ErrorClass(message, { code, status, details });
}

/** Milliseconds to wait from a Retry-After header (seconds or an HTTP date), or null. */
function parseRetryAfter(value, now = Date.now()) {
  if (value === null || value === undefined || String(value).trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

/** The error for a fetch Response with status >= 400, whatever its body. */
async function errorFromResponse(response) {
  const text = await response.text();
  let body = null;
  try { body = JSON.parse(text); } catch { body = null; }
  let error;
  if (body && typeof body.error === 'object' && body.error) {
    error = body.error;
  } else if (body && 'detail' in body) {
    const detail = Array.isArray(body.detail)
      ? body.detail.map((d) => `${(d.loc || []).join('.')}: ${d.msg}`).join('; ')
      : String(body.detail);
    error = { message: detail, details: { detail: body.detail } };
  } else {
    error = { message: `HTTP ${response.status}: ${text.slice(0, 500) || response.statusText}` };
  }
  return errorFromEnvelope(error, {
    status: response.status,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}

module.exports = {
  MusicGenAPIError, AuthenticationError, NotFoundError, RateLimitError, APIConnectionError,
  ERROR_CLASSES, errorFromEnvelope, errorFromResponse, parseRetryAfter,
};
