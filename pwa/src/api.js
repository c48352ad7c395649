// The one way the PWA talks to the API (/api/v1). Every failure becomes an ApiError in the contract's shape, so
// screens and the outbox only ever look at {status, code, message, fields}.

export const API_BASE = '/api/v1';

let csrfToken = null;

/** session.js keeps the token (from login and /auth/me) here; unsafe methods send it as X-CSRF-Token. */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor({ status, code, message, fields = {}, details = {} }) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 = no answer (offline, DNS, reset, aborted response)
    this.code = code;
    this.fields = fields; // dotted field path → [messages], from 422 details.fields
    this.details = details;
  }

  /** Worth retrying later by itself: no answer, the server busy or down (PWA.md rule 3). */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }

  /** A plain object that can be stored in IndexedDB (structured clone drops the class). */
  toJSON() {
    return { status: this.status, code: this.code, message: this.message, fields: this.fields };
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NETWORK_MESSAGE = '网络不通，稍后会自动重试';

/**
 * api(path, {method, json, form}) → parsed JSON, or null for 204.
 * `json` is sent as application/json; `form` is a FormData (multipart, for photos).
 */
export async function api(path, { method = 'GET', json, form, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form; // the browser sets the multipart boundary itself
  }
  let response;
  try {
    response = await fetch(API_BASE + path, { method, headers, body, credentials: 'same-origin', cache: 'no-store', signal });
  } catch (error) {
    // fetch rejects only when no answer came: a TypeError (no network, DNS, reset) or our own abort (a timeout,
    // outbox.js). Both are "no answer", status 0.
    const timedOut = error && error.name === 'AbortError';
    throw new ApiError({ status: 0, code: timedOut ? 'timeout' : 'network', message: NETWORK_MESSAGE });
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // A proxy's HTML error page or a body cut off mid-way: judged by the status alone below.
    if (response.ok) throw new ApiError({ status: 0, code: 'network', message: NETWORK_MESSAGE });
  }
  if (response.ok) return payload;
  throw errorFrom(response.status, payload);
}

export function errorFrom(status, payload) {
  const error = payload && payload.error;
  if (!error) {
    return new ApiError({ status, code: status >= 500 ? 'unavailable' : 'http_' + status, message: `服务器返回错误（${status}）` });
  }
  const details = error.details || {};
  return new ApiError({
    status,
    code: error.code,
    message: error.message || `服务器返回错误（${status}）`,
    fields: details.fields || {},
    details,
  });
}

/** A real request to /healthz: navigator.onLine says "a network", not "our server" (PWA.md rule 6). */
export async function reachable() {
  try {
    const response = await fetch('/healthz', { cache: 'no-store', credentials: 'same-origin' });
    return response.ok;
  } catch {
    return false;
  }
}
