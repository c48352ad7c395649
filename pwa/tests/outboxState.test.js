// The outbox's state machine (outboxState.js) as pure functions: no database, no network, no timers.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api.js';
import {
  afterFailure,
  answerIsFor,
  CLIENT_ERROR_MESSAGE,
  fixedItem,
  newItem,
  nextWait,
  queuedReason,
  sendOrder,
  storageSummary,
  withClientId,
} from '../src/outboxState.js';
import { OFFICER_A, OFFICER_B } from './helpers.js';

const error = (status, code = 'error') => new ApiError({ status, code, message: '出错了' });
const pending = (fields) => ({ status: 'pending', ownerId: OFFICER_A.id, nextAttemptAt: 0, sendFirst: false, ...fields });
const half = () => 0.5;

describe('a new item and a fixed one', () => {
  it('is pending, owned by its filer, with the client id in a POST body and one blob id per photo', () => {
    const given = { kind: 'hazard', url: '/hazards', body: { title: '滑坡' }, photos: [{ blob: 'b', lat: 29.2 }], label: '滑坡' };
    const item = newItem(given, { user: OFFICER_A, clientId: 'c1', at: 5 });
    expect(item).toMatchObject({ clientId: 'c1', status: 'pending', ownerId: 11, ownerName: '李秀英', attempts: 0, createdAt: 5 });
    expect(item.body).toEqual({ title: '滑坡', client_id: 'c1' });
    expect(item.photos).toEqual([{ blobId: 'c1/0', name: 'photo-1.jpg', lat: 29.2, lon: null, accuracy_m: null, taken_at: null, sent: false }]);
  });

  it('a PATCH carries no client id; a fix starts the tries over', () => {
    expect(withClientId('PATCH', { dead: 1 }, 'c1')).toEqual({ dead: 1 });
    const item = { clientId: 'c1', method: 'POST', body: { a: 1, client_id: 'c1' }, label: '旧', attempts: 4 };
    expect(fixedItem(item, { body: { a: 2 } }, 9)).toEqual({
      body: { a: 2, client_id: 'c1' },
      label: '旧',
      status: 'pending',
      lastError: null,
      attempts: 0,
      nextAttemptAt: 0,
      updatedAt: 9,
    });
  });
});

describe('which items a round sends, and when the next round is', () => {
  const items = [
    pending({ clientId: 'old', nextAttemptAt: 500 }),
    pending({ clientId: 'other', ownerId: OFFICER_B.id }),
    pending({ clientId: 'row', sendFirst: true }),
    pending({ clientId: 'refused', status: 'needs_attention' }),
  ];

  it("the user's pending items, sendFirst ones first; a timer's round only those whose back-off is over", () => {
    expect(sendOrder(items, OFFICER_A).map((item) => item.clientId)).toEqual(['row', 'old']);
    expect(sendOrder(items, OFFICER_A, 100).map((item) => item.clientId)).toEqual(['row']);
    expect(sendOrder(items, null)).toEqual([]);
  });

  it('waits for the earliest item, never before the whole outbox may retry; nothing waiting: null', () => {
    expect(nextWait([items[0]], OFFICER_A, 0, 100)).toBe(400);
    expect(nextWait([items[0]], OFFICER_A, 900, 100)).toBe(800);
    expect(nextWait([items[0]], OFFICER_A, 0, 1000)).toBe(0);
    expect(nextWait([items[1], items[3]], OFFICER_A, 0, 100)).toBeNull();
  });
});

describe('an answer is for the item only when it names it', () => {
  const item = { clientId: 'c1', method: 'POST' };
  it.each([
    [{ id: 7, client_id: 'c1' }, true],
    [{ id: 7 }, true],
    [{ id: 7, client_id: 'c2' }, false],
    [{ client_id: 'c1' }, false],
    [null, false],
  ])('%j → %s', (answer, expected) => expect(answerIsFor(item, answer)).toBe(expected));

  it("a PATCH's answer keeps its creator's client id", () => {
    expect(answerIsFor({ clientId: 'c1', method: 'PATCH' }, { id: 7, client_id: 'c0' })).toBe(true);
  });
});

describe('what a failure makes of the item', () => {
  const item = { clientId: 'c1', serverId: null, attempts: 1 };

  it('no answer: pending, one more attempt, the round stops and the outbox backs off', () => {
    const edge = afterFailure(item, error(0, 'network'), { at: 10, random: half });
    expect(edge).toMatchObject({ kind: 'offline', part: 'report', server: 'unreachable', next: 'stop' });
    expect(edge.change).toMatchObject({ status: 'pending', attempts: 2 });
    expect(edge.outcome).toEqual({ status: 'queued', reason: 'offline' });
  });

  it('401: pending, the sender stops until a login', () => {
    const edge = afterFailure(item, error(401), { at: 10 });
    expect(edge).toMatchObject({ kind: 'login', server: 'login', next: 'stop', change: { status: 'pending' } });
    expect(edge.change.attempts).toBeUndefined();
  });

  it('500: this item waits its own back-off, the next goes', () => {
    const edge = afterFailure(item, error(500), { at: 10, random: half });
    expect(edge).toMatchObject({ kind: 'retry', server: 'reached', next: 'next' });
    expect(edge.change).toMatchObject({ status: 'pending', attempts: 2, nextAttemptAt: 10 + 3000 });
    expect(edge.outcome).toEqual({ status: 'queued', reason: 'busy' });
  });

  it("422 of a photo: needs attention, and the report's form is not answered again", () => {
    const edge = afterFailure({ ...item, serverId: 7 }, error(422, 'validation_error'), { at: 10 });
    expect(edge).toMatchObject({ kind: 'refused', part: 'photo', server: 'reached', next: 'next' });
    expect(edge.change).toEqual({ status: 'needs_attention', lastError: { status: 422, code: 'validation_error', message: '出错了', fields: {}, part: 'photo', at: 10 } });
  });

  it('a bug on the phone: needs attention with client_error, and says nothing of the server', () => {
    const edge = afterFailure(item, new TypeError('x is undefined'), { at: 10 });
    expect(edge).toMatchObject({ kind: 'bug', server: null, next: 'next' });
    expect(edge.change.lastError).toEqual({ status: null, code: 'client_error', message: CLIENT_ERROR_MESSAGE, fields: {}, detail: 'x is undefined', part: 'report', at: 10 });
    expect(edge.outcome).toEqual({ status: 'refused', error: edge.change.lastError });
  });
});

describe('small answers', () => {
  it('why an item waits', () => {
    expect(queuedReason({ loginNeeded: false, unreachable: true }, OFFICER_A)).toBe('offline');
    expect(queuedReason({ loginNeeded: false, unreachable: false }, null)).toBe('login');
    expect(queuedReason({ loginNeeded: false, unreachable: false }, OFFICER_A)).toBe('waiting');
  });

  it('storage is low under 50 MB or 10% free', () => {
    const mb = 1024 * 1024;
    expect(storageSummary({ quota: 1000 * mb, usage: 100 * mb }, true).low).toBe(false);
    expect(storageSummary({ quota: 1000 * mb, usage: 960 * mb }, true).low).toBe(true);
    expect(storageSummary(null, false)).toEqual({ persisted: false, usage: null, quota: null, low: false });
  });
});
