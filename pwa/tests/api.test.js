import { afterEach, describe, expect, it } from 'vitest';
import { api, ApiError, setCsrfToken } from '../src/api.js';

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
  setCsrfToken(null);
});

function answer(status, body, calls = []) {
  globalThis.fetch = async (url, options) => {
    calls.push({ url, options });
    if (status === 'network') throw new TypeError('Failed to fetch');
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return new Response(status === 204 ? null : text, { status, headers: { 'Content-Type': 'application/json' } });
  };
  return calls;
}

describe('api', () => {
  it('sends JSON with the CSRF token on unsafe methods only, same-origin, under /api/v1', async () => {
    setCsrfToken('tok');
    const calls = answer(201, { id: 4 });
    expect(await api('/hazards', { method: 'POST', json: { title: '滑坡' } })).toEqual({ id: 4 });
    await api('/events');
    expect(calls[0].url).toBe('/api/v1/hazards');
    expect(calls[0].options.headers['X-CSRF-Token']).toBe('tok');
    expect(calls[0].options.headers['Content-Type']).toBe('application/json');
    expect(calls[0].options.body).toBe('{"title":"滑坡"}');
    expect(calls[0].options.credentials).toBe('same-origin');
    expect(calls[1].options.headers['X-CSRF-Token']).toBeUndefined();
  });

  it('gives null for 204', async () => {
    answer(204);
    expect(await api('/auth/logout', { method: 'POST' })).toBeNull();
  });

  it('turns the error envelope into an ApiError with the field messages', async () => {
    answer(422, {
      error: { code: 'validation_error', message: '提交的数据有误', details: { fields: { title: ['请填写名称'] } }, request_id: 'r1' },
    });
    const error = await api('/hazards', { method: 'POST', json: {} }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.toJSON()).toEqual({ status: 422, code: 'validation_error', message: '提交的数据有误', fields: { title: ['请填写名称'] } });
    expect(error.retryable).toBe(false);
  });

  it('no answer is status 0 and retryable; so is a 502 page that is not JSON', async () => {
    answer('network');
    const offline = await api('/events').catch((e) => e);
    expect([offline.status, offline.code, offline.retryable]).toEqual([0, 'network', true]);
    answer(502, '<html>Bad Gateway</html>');
    const proxy = await api('/events').catch((e) => e);
    expect([proxy.status, proxy.retryable]).toEqual([502, true]);
  });

  it('a request aborted for taking too long is status 0 with the code timeout', async () => {
    globalThis.fetch = (url, options) =>
      new Promise((resolve, reject) => {
        options.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
      });
    const controller = new AbortController();
    const pending = api('/hazards', { method: 'POST', json: {}, signal: controller.signal }).catch((e) => e);
    controller.abort();
    const error = await pending;
    expect([error.status, error.code, error.retryable]).toEqual([0, 'timeout', true]);
  });

  it('a 2xx whose body was cut off counts as no answer (the outbox sends again with the same client id)', async () => {
    answer(201, '{"id": 4');
    const cut = await api('/hazards', { method: 'POST', json: {} }).catch((e) => e);
    expect(cut.status).toBe(0);
  });
});
