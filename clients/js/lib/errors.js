'use strict';
/**
 * Typed errors carrying the API's error codes.
 *
 *   MusicGenAPIError           any answer the API refused (code, status, details)
 *   ├── AuthenticationError    UNAUTHORIZED / FORBIDDEN: missing, wrong or revoked key
 *   ├── NotFoundError          NOT_FOUND
 *   ├── RateLimitError         RATE_LIMITED / CONCURRENCY_LIMIT / QUOTA_EXCEEDED (retryAfterMs)
 *   └── APIConnectionError     CONNECTION_ERROR / TIMEOUT: no answer
 */

const RATE_LIMIT_CODES = new Set(['RATE_LIMITED', 'CONCURRENCY_LIMIT', 'QUOTA_EXCEEDED']);
const AUTH_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN']);
const STATUS_CODES = {
  400: 'INVALID_PARAMETER', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND',
  409: 'CONFLICT', 413: 'PAYLOAD_TOO_LARGE', 422: 'INVALID_PARAMETER', 429: 'RATE_LIMITED',
  500: 'INTERNAL', 503: 'UNAVAILABLE',
};

class MusicGenAPIError extends Error {
  constructor(message, { code = 'INTERNAL', status = null, details = {} } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

class AuthenticationError extends MusicGenAPIError {}
class NotFoundError extends MusicGenAPIError {}
class APIConnectionError extends MusicGenAPIError {}

class RateLimitError extends MusicGenAPIError {
  constructor(message, { retryAfterMs = null, ...rest } = {}) {
    super(message, rest);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Build the right error from an envelope's `error` object (status is null for WebSocket). */
function errorFromEnvelope(error, { status = null, retryAfterMs = null } = {}) {
  const code = String((error && error.code) || STATUS_CODES[status] || 'INTERNAL');
  const message = String((error && error.message) || code);
  const details = error && typeof error.details === 'object' && error.details ? error.details : {};
  if (status === 429 || RATE_LIMIT_CODES.has(code)) {
    if (retryAfterMs === null && typeof details.retry_after === 'number') {
      retryAfterMs = details.retry_after * 1000;
    }
    return new RateLimitError(message, { code, status, details, retryAfterMs });
  }
  if (status === 401 || status === 403 || (status === null && AUTH_CODES.has(code))) {
    return new AuthenticationError(message, { code, status, details });
  }
  if (status === 404 || (status === null && code === 'NOT_FOUND')) {
    return new NotFoundError(message, { code, status, details });
  }
  return new MusicGenAPIError(message, { code, status, details });
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
  errorFromEnvelope, errorFromResponse, parseRetryAfter,
};
